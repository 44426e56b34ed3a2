"""The one request/answer join: either order, answers that name no station, bounded memory."""

from __future__ import annotations

from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.core.wire.join import Joiner

IN, OUT = Direction.IN, Direction.OUT


def call(uid: str, station: str = "CP1", way: Direction = IN) -> Frame:
    return Frame(1.0, station, way, Kind.CALL, uid, "Heartbeat", {})


def answer(uid: str, station: str = "CP1", way: Direction = OUT, kind: Kind = Kind.RESULT) -> Frame:
    return Frame(2.0, station, way, kind, uid, "", {})


def test_a_call_and_its_answer_share_a_key_in_both_directions() -> None:
    assert call("1").call_key == answer("1").call_key == (IN, "1", "CP1")
    assert call("1", way=OUT).call_key == answer("1", way=IN).call_key == (OUT, "1", "CP1")
    assert answer("1", kind=Kind.ERROR).call_key == call("1").call_key


def test_either_order_joins_once() -> None:
    joins: Joiner[str] = Joiner()
    assert joins.call(call("1"), "c1") is None
    assert joins.answer(answer("1"), "a1") == "c1"
    assert joins.answer(answer("1"), "again") is None  # the call was taken: this one waits
    assert joins.call(call("1"), "c1 again") == "again"
    assert len(joins) == 0
    # The same id from another station, or the other way round, is another exchange.
    joins.call(call("7", "CP1"), "one")
    assert joins.answer(answer("7", "CP2"), "other station") is None
    assert joins.answer(answer("7", way=IN), "other way") is None
    assert joins.answer(answer("7", "CP1"), "mine") == "one"


def test_without_early_answers_a_stray_answer_is_not_kept() -> None:
    joins: Joiner[int] = Joiner(early_answers=False)
    assert joins.answer(answer("9"), 1) is None
    assert len(joins) == 0


def test_stationless_answers_find_their_call_by_id_in_either_order() -> None:
    joins: Joiner[str] = Joiner(stationless=True)
    joins.call(call("c-1", "ST-7", OUT), "request")
    assert joins.answer(answer("c-1", "", IN), "response") == "request"
    assert joins.answer(answer("c-2", "", IN), "early") is None
    assert joins.call(call("c-2", "ST-8", OUT), "late request") == "early"
    assert len(joins) == 0


def test_answered_calls_leave_nothing_behind_and_collisions_stay_apart() -> None:
    joins: Joiner[int] = Joiner(stationless=True)
    for n in range(1_000):
        joins.call(call(str(n), "CP1"), n)
        joins.call(call(str(n), "CP2"), n)  # stations count their ids alike
        assert joins.answer(answer(str(n), "CP1"), n) == n
        assert joins.answer(answer(str(n), "CP2"), n) == n
    assert len(joins) == 0
    assert joins._stations == {}  # the stationless index forgets what was answered


def test_both_sides_are_bounded_the_oldest_go_first() -> None:
    joins: Joiner[int] = Joiner(limit=100)
    for n in range(1_000):
        joins.call(call(f"c{n}"), n)
        joins.answer(answer(f"a{n}"), n)
    assert len(joins) <= 2 * 100
    assert joins.answer(answer("c999"), -1) == 999  # the newest is kept
    assert joins.answer(answer("c0"), -1) is None  # the oldest went
