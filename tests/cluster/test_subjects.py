"""Station ids on the bus: any id a station may have becomes one subject token and key
part, and comes back as it was."""

from __future__ import annotations

import re
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from ocppdeck.core.cluster.subjects import (
    bus_url_of,
    frame_subject,
    queue_key,
    token,
    untoken,
)

KV_KEY = re.compile(r"[-/_=.a-zA-Z0-9]+")


@given(st.text(max_size=60))
def test_any_id_is_one_safe_token_and_comes_back(text: str) -> None:
    tok = token(text)
    assert tok and re.fullmatch(r"[-_=A-Za-z0-9]+", tok)
    assert untoken(tok) == text


def test_ids_with_subject_wildcards_stay_apart() -> None:
    assert frame_subject("node-1", "CP.1*>") == "ocppdeck.frames.node-1.CP=2E1=2A=3E"
    assert queue_key("CP 1", 7) == "q.CP=201.7"
    assert KV_KEY.fullmatch(queue_key("CP:1|@", 7))
    assert token("a.b") != token("a_b") != token("a=b")


def test_a_bus_url_given_as_a_path_is_read_back() -> None:
    assert bus_url_of(Path("nats://127.0.0.1:4222")) == "nats://127.0.0.1:4222"
    assert bus_url_of(Path("recording.jsonl")) is None
    assert bus_url_of(None) is None
