"""The frame log's filter reads the words the log shows, as well as the frames' own kinds."""

from __future__ import annotations

import pytest

from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.core.wire.frame_query import KIND_LABELS, FrameQuery, QueryError

T = 1_740_823_200.0


def frame(kind: Kind, text: str = "") -> Frame:
    if kind in (Kind.CALL, Kind.RESULT, Kind.ERROR):
        return Frame(T, "CP-1", Direction.IN, kind, "m-1", "Heartbeat", {}, "ocpp1.6")
    return Frame(T, "CP-1", Direction.IN, kind, protocol="ocpp1.6", text=text)


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("kind:RESULT", Kind.RESULT),
        ("kind:result", Kind.RESULT),
        ("kind:CallResult", Kind.RESULT),
        ("kind:ERROR", Kind.ERROR),
        ("kind:CALLERROR", Kind.ERROR),
        ("kind:close", Kind.DISCONNECTED),
        ("kind:DISCONNECTED", Kind.DISCONNECTED),
        ("k:auto", Kind.AUTOMATION),
        ("type:bad", Kind.MALFORMED),
    ],
)
def test_a_kind_is_named_by_the_log_s_word_or_the_frame_s_own(typed: str, kind: Kind) -> None:
    query = FrameQuery.parse(typed)
    assert [k for k in Kind if query.matches(frame(k))] == [kind]


def test_kind_call_means_calls_only_not_their_answers() -> None:
    query = FrameQuery.parse("kind:call")
    assert query.matches(frame(Kind.CALL))
    assert not query.matches(frame(Kind.RESULT), "Heartbeat")
    assert not query.matches(frame(Kind.ERROR), "Heartbeat")


def test_an_unknown_kind_says_which_kinds_there_are() -> None:
    with pytest.raises(QueryError) as caught:
        FrameQuery.parse("station:CP kind:CALLRESPONSE")
    message = str(caught.value)
    assert "CALLRESPONSE" in message
    for label in KIND_LABELS.values():
        assert label in message


def test_a_free_word_finds_the_log_s_kind_word_too() -> None:
    query = FrameQuery.parse("close")
    assert query.matches(frame(Kind.DISCONNECTED, "closed 1006"))
    assert query.matches(frame(Kind.DISCONNECTED, "gone"))  # by its word on screen
    assert not query.matches(frame(Kind.CONNECTED, "127.0.0.1:50000"))


def test_the_title_repeats_the_filter_in_the_log_s_words() -> None:
    query = FrameQuery.parse("st:CP-1 kind:callerror boot")
    assert query.describe() == "station:cp-1 kind:ERROR boot"
