"""Transactions: starts before plug-in, repeated events and stops, gaps, orphans, any order."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from ocppdeck.core.disk import snapshot
from ocppdeck.core.model import facts as f
from ocppdeck.core.model.projection import fold
from ocppdeck.core.model.state import State
from ocppdeck.core.replay.marks import Mark, mark_of
from ocppdeck.core.wire.frame import Frame
from tests.helpers.folded import project
from tests.helpers.tx_frames import T0, start16, stop16, tx_event

CS = "CS-1"


def facts_of(frames: list[Frame]) -> list[f.Fact]:
    """Every fact the fold gave, in order."""
    found: list[f.Fact] = []
    fold(frames, after=lambda _frame, facts: found.extend(facts))
    return found


def marks_of(frames: list[Frame]) -> list[Mark]:
    marks: list[Mark] = []

    def note(frame: Frame, facts: Any) -> None:
        mark = mark_of(frame, facts)
        if mark is not None:
            marks.append(mark)

    fold(frames, after=note)
    return marks


def authorized_first() -> list[Frame]:
    """Authorized at the reader before plug-in: the Started names no EVSE, the next event does."""
    return [
        *tx_event(CS, "Started", "TX-1", 0, T0, energy=1000, token="TOK-1"),
        *tx_event(CS, "Updated", "TX-1", 1, T0 + 30, evse=2, energy=1000),
        *tx_event(CS, "Updated", "TX-1", 2, T0 + 90, energy=1600),
    ]


# --- a start that names no EVSE ---------------------------------------------
def test_a_start_without_an_evse_opens_the_transaction() -> None:
    state = project(authorized_first()[:2])
    [tx] = state.open_transactions()
    assert (tx.transaction_id, tx.id_tag, tx.meter_start) == ("TX-1", "TOK-1", 1000)
    assert tx.evse_id is None  # not named yet
    assert state.energy_so_far(tx) == 0.0
    assert state.stations[CS].evses == {}


def test_a_later_event_names_the_evse_and_places_the_readings() -> None:
    state = project(authorized_first())
    tx = state.open_transaction_on(CS, 2)
    assert tx is not None and tx.transaction_id == "TX-1"
    evse = state.stations[CS].evses[2]
    assert [sample[:2] for sample in evse.history] == [(T0, 1000), (T0 + 30, 1000), (T0 + 90, 1600)]
    assert state.energy_so_far(tx) == 600


def test_the_first_evse_named_stays() -> None:
    frames = [
        *authorized_first(),
        *tx_event(CS, "Updated", "TX-1", 3, T0 + 120, evse=5, energy=1700),
    ]
    state = project(frames)
    assert state.transactions[(CS, "TX-1")].evse_id == 2
    assert state.stations[CS].evses[5].energy_wh == 1700  # the event's own reading is its EVSE's


# --- repeats ------------------------------------------------------------------
def test_a_repeated_event_changes_nothing_and_says_nothing() -> None:
    once = authorized_first()
    again = tx_event(CS, "Updated", "TX-1", 2, T0 + 95, energy=1650)  # a resend, same seqNo
    state = project([*once, *again])
    assert _everything(state) == _everything(project(once))
    projection = fold(once)
    assert [projection.apply(frame) for frame in again] == [[], []]


def test_a_repeated_start_is_no_second_transaction_start() -> None:
    frames = authorized_first()
    repeat = tx_event(CS, "Started", "TX-1", 0, T0 + 1, energy=999, token="TOK-1")
    assert marks_of([*frames, *repeat]) == marks_of(frames) == [Mark.TX_START]


def test_a_resent_ended_is_recorded_once() -> None:
    """The station sent its Ended again under a new message id (no answer came in time)."""
    ended = tx_event(CS, "Ended", "TX-1", 3, T0 + 200, energy=2000, reason="EVDisconnected")
    resent = [replace(frame, unique_id=f"again-{frame.unique_id}") for frame in ended]
    frames = [*authorized_first(), *ended]
    for order in ([*frames, *resent], [*resent, *frames]):
        state = project(order)
        tx = state.transactions[(CS, "TX-1")]
        assert (tx.stopped_at, tx.meter_stop, tx.stop_reason) == (T0 + 200, 2000, "EVDisconnected")
        assert _everything(state) == _everything(project(frames))
    assert [x for x in facts_of([*frames, *resent]) if isinstance(x, f.TxStopped)] == [
        f.TxStopped(T0 + 200, "TX-1", 2000, "EVDisconnected")
    ]


def test_two_ends_with_different_seqnos_keep_the_first_by_time() -> None:
    frames = authorized_first()
    late = tx_event(CS, "Ended", "TX-1", 4, T0 + 300, energy=2500, reason="Remote")
    early = tx_event(CS, "Ended", "TX-1", 3, T0 + 200, energy=2000, reason="Local")
    for ends in ([*late, *early], [*early, *late]):
        tx = project([*frames, *ends]).transactions[(CS, "TX-1")]
        assert (tx.stopped_at, tx.stop_reason) == (T0 + 200, "Local")


def test_a_repeated_stop_transaction_is_recorded_once() -> None:
    frames = [*start16("CP", 1, 7, 100, T0), *stop16("CP", 7, 900, T0 + 60)]
    resent = stop16("CP", 7, 950, T0 + 65, reason="Other")  # the station sent it again
    for order in ([*frames, *resent], [*resent, *frames], [*frames, *frames[2:]]):
        state = project(order)
        assert list(state.transactions) == [("CP", "7")]
        tx = state.transactions[("CP", "7")]
        assert (tx.stopped_at, tx.meter_stop, tx.stop_reason) == (T0 + 60, 900, "Local")
    history = project([*frames, *frames[2:]]).stations["CP"].evses[1].history
    assert list(history) == list(project(frames).stations["CP"].evses[1].history)


# --- gaps -------------------------------------------------------------------------
def test_a_gap_in_seqnos_is_a_fact_a_mark_and_a_count() -> None:
    frames = [
        *authorized_first(),
        *tx_event(CS, "Updated", "TX-1", 5, T0 + 300, energy=2000),
    ]
    gaps = [fact for fact in facts_of(frames) if isinstance(fact, f.SeqGap)]
    assert gaps == [f.SeqGap(T0 + 300, "TX-1", 3, 4)]
    assert marks_of(frames) == [Mark.TX_START, Mark.LOST]
    assert project(frames).transactions[(CS, "TX-1")].missing_events == 2


def test_offline_events_close_the_gap_and_fold_in_their_own_time() -> None:
    online = [
        *authorized_first(),
        *tx_event(CS, "Ended", "TX-1", 5, T0 + 300, energy=2400),
    ]
    offline = [  # queued while the link was down, sent after the Ended
        *tx_event(CS, "Updated", "TX-1", 3, T0 + 150, energy=1900, offline=True),
        *tx_event(CS, "Updated", "TX-1", 4, T0 + 210, energy=2100, offline=True),
    ]
    state = project([*online, *offline])
    tx = state.transactions[(CS, "TX-1")]
    assert tx.missing_events == 0
    assert (tx.meter_stop, state.energy_so_far(tx)) == (2400, 1400)
    evse = state.stations[CS].evses[2]
    assert evse.energy_wh == 2400  # the newest by the station's time, not by arrival
    assert [s[1] for s in evse.history] == [1000, 1000, 1600, 1900, 2100, 2400]


# --- stops with no start -------------------------------------------------------------
def test_a_stop_for_an_unknown_transaction_is_an_orphan_not_a_transaction() -> None:
    frames = stop16("CP", 41, 5000, T0)
    state = project(frames)
    assert state.transactions == {} and state.open == {}
    assert state.stations["CP"].orphan_stops == 1
    assert [x for x in facts_of(frames) if isinstance(x, f.OrphanStop)] == [f.OrphanStop(T0, "41")]
    assert marks_of(frames) == [Mark.LOST]
    assert project([*frames, *stop16("CP", 41, 5000, T0)]).stations["CP"].orphan_stops == 1


def test_an_orphan_joins_its_start_when_a_shuffled_log_brings_it() -> None:
    stop = stop16("CP", 41, 5000, T0 + 600)
    state = project([*stop, *start16("CP", 2, 41, 4000, T0)])
    tx = state.transactions[("CP", "41")]
    assert (tx.evse_id, tx.started_at, tx.stopped_at, tx.meter_stop) == (2, T0, T0 + 600, 5000)
    assert not tx.is_open
    assert state.energy_so_far(tx) == 1000
    assert state.stations["CP"].orphan_stops == 0
    assert state.stations["CP"].evses[2].energy_wh == 5000  # the stop's reading, placed


def test_an_ended_without_started_is_an_orphan_with_its_seqnos() -> None:
    ended = tx_event(CS, "Ended", "TX-9", 4, T0 + 100, evse=1, energy=700)
    state = project(ended)
    assert state.transactions == {}
    assert state.stations[CS].orphan_stops == 1
    started = tx_event(CS, "Started", "TX-9", 0, T0, energy=100, token="T")
    joined = project([*ended, *started])
    tx = joined.transactions[(CS, "TX-9")]
    assert (tx.evse_id, tx.meter_start, tx.meter_stop, tx.missing_events) == (1, 100, 700, 3)
    assert joined.stations[CS].orphan_stops == 0


# --- any order ------------------------------------------------------------------------
def _fleet() -> list[Frame]:
    """Two 2.x transactions and a 1.6 one with every quirk above, in wire order."""
    return [
        *authorized_first(),
        *tx_event(CS, "Started", "TX-2", 0, T0 + 10, evse=1, energy=50, token="TOK-2"),
        *tx_event(CS, "Updated", "TX-2", 1, T0 + 70, energy=400),
        *tx_event(CS, "Updated", "TX-2", 4, T0 + 250, energy=900),  # 2 and 3 lost
        *(ended := tx_event(CS, "Ended", "TX-1", 3, T0 + 200, energy=2000, reason="Gone")),
        *[replace(frame, unique_id=f"again-{frame.unique_id}") for frame in ended],  # resent
        *tx_event(CS, "Updated", "TX-2", 5, T0 + 310, energy=1000, offline=True),
        *tx_event(CS, "Ended", "TX-7", 2, T0 + 400, energy=30),  # its start never came
        *start16("CP", 1, 7, 100, T0),
        *stop16("CP", 7, 900, T0 + 60),
        *stop16("CP", 7, 950, T0 + 65, reason="Other"),  # resent
        *stop16("CP", 8, 10, T0 + 70),  # never started
    ]


def _everything(state: State) -> dict[str, Any]:
    """What a user can see of the transactions and the meters."""
    return {
        "transactions": {
            key: (
                tx.evse_id,
                tx.id_tag,
                tx.started_at,
                tx.meter_start,
                tx.stopped_at,
                tx.meter_stop,
                tx.stop_reason,
                tx.seq_runs,
                state.energy_so_far(tx),
            )
            for key, tx in state.transactions.items()
        },
        "open": set(state.open),
        "orphans": {sid: s.orphan_stops for sid, s in state.stations.items()},
        "evses": {
            (sid, n): (e.energy_wh, e.power_w, list(e.history), e.last_seen)
            for sid, s in state.stations.items()
            for n, e in s.evses.items()
        },
    }


FLEET = _fleet()
EXPECTED = _everything(project(FLEET))


def test_the_fleet_in_wire_order() -> None:
    txs = EXPECTED["transactions"]
    assert set(txs) == {(CS, "TX-1"), (CS, "TX-2"), ("CP", "7")}
    assert txs[(CS, "TX-1")][:7] == (2, "TOK-1", T0, 1000, T0 + 200, 2000, "Gone")
    assert txs[(CS, "TX-2")][7] == ((0, 1), (4, 5))
    assert txs[("CP", "7")][4:7] == (T0 + 60, 900, "Local")
    assert EXPECTED["open"] == {(CS, "TX-2")}
    assert EXPECTED["orphans"] == {CS: 1, "CP": 1}


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.integers(0, len(FLEET) - 1), max_size=10).flatmap(
        lambda dups: st.permutations(FLEET + [FLEET[i] for i in dups])
    )
)
def test_any_order_with_repeats_gives_the_same_state(frames: list[Frame]) -> None:
    assert _everything(project(frames)) == EXPECTED


@settings(max_examples=30, deadline=None)
@given(st.permutations(FLEET), st.integers(0, len(FLEET)))
def test_a_snapshot_taken_anywhere_resumes_to_the_same_state(frames: list[Frame], cut: int) -> None:
    """Orphans, seqNo runs and readings waiting for an EVSE survive a restart."""
    saved = snapshot.read(snapshot.dump(fold(frames[:cut]), cut))
    assert _everything(fold(frames[cut:], saved.projection).state) == EXPECTED
