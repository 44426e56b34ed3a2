"""The frame stream: server-sent events filtered with the `/` syntax, resumable from a
sequence number, bounded per client."""

from __future__ import annotations

from pathlib import Path

import pytest
from ocpp.v16 import call

from ocppdeck.core.api import frame_stream
from ocppdeck.core.api.frame_stream import Subscriber
from ocppdeck.core.disk import snapshot
from ocppdeck.core.model.answers import answers
from ocppdeck.core.wire.codec import decode
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.core.wire.frame_log import FrameLog
from ocppdeck.core.wire.frame_query import FrameQuery
from tests.helpers.api import api_client, next_event
from tests.helpers.engine import own_engine
from tests.helpers.station16 import boot, station


@pytest.mark.timeout(30)
async def test_the_stream_sends_only_the_frames_the_filter_passes(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, api_port=0) as engine,
        api_client(engine) as api,
        station(engine, "CP-1") as one,
        station(engine, "CP-2") as two,
    ):
        query = {"filter": "station:CP-1 action:heartbeat"}
        async with api.get("/api/frames", params=query) as stream:
            assert stream.status == 200
            assert stream.headers["Content-Type"].startswith("text/event-stream")
            await two.call(call.Heartbeat())
            await one.call(call.StatusNotification(1, "NoError", "Available"))
            await one.call(call.Heartbeat())
            request = await next_event(stream)
            answer = await next_event(stream)
        frames = [decode(e.data) for e in (request, answer)]
        assert [(f.station, f.kind, f.direction) for f in frames] == [
            ("CP-1", Kind.CALL, Direction.IN),
            ("CP-1", Kind.RESULT, Direction.OUT),  # an answer passes by its CALL's action
        ]
        assert frames[0].action == "Heartbeat" and "currentTime" in frames[1].payload
        assert [int(e.id) for e in (request, answer)] == [f.seq for f in frames]


@pytest.mark.timeout(30)
async def test_a_bad_filter_is_400(tmp_path: Path) -> None:
    async with own_engine(tmp_path, api_port=0) as engine, api_client(engine) as api:
        async with api.get("/api/frames", params={"filter": "kind:SOMETIMES"}) as r:
            assert r.status == 400
            body = await r.json()
        assert body["field"] == "filter" and "no kind 'SOMETIMES'" in body["error"]
        async with api.get("/api/frames", params={"after": "yesterday"}) as r:
            assert r.status == 400


@pytest.mark.timeout(30)
async def test_a_snapshot_and_the_stream_after_it_fold_into_the_engines_state(
    tmp_path: Path,
) -> None:
    async with (
        own_engine(tmp_path, api_port=0) as engine,
        api_client(engine) as api,
        station(engine, "CP-1") as cp,
    ):
        await boot(cp)
        async with api.get("/api/snapshot") as r:
            restored = snapshot.read(await r.read())
        projection = restored.projection
        # Frames after the snapshot, some before the stream opens: `after` sends them too.
        await cp.call(call.StatusNotification(1, "NoError", "Charging"))
        started = await cp.call(call.StartTransaction(1, "TAG-1", 500, "2030-01-01T00:00:00Z"))
        async with api.get("/api/frames", params={"after": str(restored.seq)}) as stream:
            await cp.call(call.StopTransaction(900, "2030-01-01T01:00:00Z", started.transaction_id))
            last = engine.bus.next_seq - 1
            seen = 0
            while seen < last:
                frame = decode((await next_event(stream)).data)
                assert frame.seq > max(seen, restored.seq)
                projection.apply(frame)
                seen = frame.seq
        assert answers(projection.state) == answers(engine.state)
        assert projection.state.transactions == engine.state.transactions


@pytest.mark.timeout(30)
async def test_a_client_that_falls_behind_is_dropped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frame_stream, "BEHIND_FRAMES", 5)
    async with own_engine(tmp_path, api_port=0) as engine, api_client(engine) as api:
        async with api.get("/api/frames") as stream:
            await stream.content.readline()  # the stream's opening comment: it is subscribed
            for i in range(20):  # published with no pause: the client cannot keep up
                engine.bus.publish(Frame(float(i), "CP-1", Direction.IN, Kind.CALL, f"m{i}", "X"))
            event = await next_event(stream)
            assert event.name == "dropped" and "behind" in event.data
            assert await stream.content.read() == b""  # and the stream ends
        assert not engine.api.streams.open


def test_a_subscriber_holds_no_more_than_its_bound() -> None:
    log = FrameLog()
    subscriber = Subscriber(FrameQuery(), log)
    big = "x" * 100_000
    for i in range(frame_stream.BEHIND_BYTES // 100_000 + 5):
        frame = Frame(
            float(i), "CP-1", Direction.IN, Kind.CALL, f"m{i}", "DataTransfer", big, seq=i
        )
        log.append(frame)
        subscriber(frame)
        assert subscriber.held <= frame_stream.BEHIND_BYTES + 200_000
    assert subscriber.dropped and not subscriber.lines and subscriber.held == 0
