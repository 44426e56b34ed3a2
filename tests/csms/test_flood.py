"""Floods over real loopback websockets: a station that sends too fast is slowed, then
disconnected, while the others are answered; no message is larger than the setting; the
frame log, early answers and the log file stay within their bounds whatever stations send."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import logging
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import orjson
import pytest
from ocpp.v16 import call
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from ocppdeck.core.csms.rate_limit import Flooding, MessageRate
from ocppdeck.core.engine import Engine
from ocppdeck.core.logs import JsonFormatter, StationLogLimit, configure_logging
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.core.wire.frame_log import FrameLog
from ocppdeck.core.wire.join import Joiner, frame_bytes
from tests.helpers.engine import frames_of, make_settings, own_engine, wait_for
from tests.helpers.station16 import boot, station


async def open_link(engine: Engine, station_id: str) -> ClientConnection:
    return await connect(f"{engine.csms.url}/{station_id}", subprotocols=["ocpp1.6"])


def data_transfer(uid: str, size: int) -> str:
    return orjson.dumps([2, uid, "DataTransfer", {"vendorId": "ACME", "data": "x" * size}]).decode()


def station_records(caplog: pytest.LogCaptureFixture, station_id: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if vars(r).get("station") == station_id]


# --- a station above its message rate ---------------------------------------
@pytest.mark.timeout(30)
async def test_a_flooding_station_is_slowed_then_disconnected_while_others_are_answered(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    sent = 2_000
    settings = {"station_rate_limit": 20, "flood_patience": 1.0}
    async with own_engine(tmp_path, **settings) as engine, station(engine, "GOOD") as good:
        await boot(good)
        flood = await open_link(engine, "FLOOD")
        answers = 0

        async def send_all() -> None:
            with contextlib.suppress(ConnectionClosed):
                for n in range(sent):
                    await flood.send(f'[2,"h{n}","Heartbeat",{{}}]')

        async def read_all() -> None:
            nonlocal answers
            with contextlib.suppress(ConnectionClosed):
                async for _ in flood:
                    answers += 1

        tasks = [asyncio.create_task(send_all()), asyncio.create_task(read_all())]
        try:
            # While the flood goes on, the well-behaved station's calls are answered
            # (at its own pace, within the rate).
            while flood.close_code is None:
                assert (await good.call(call.Heartbeat())).current_time
                await asyncio.sleep(0.1)
            await asyncio.wait_for(asyncio.gather(*tasks), 10)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await flood.close()
        assert flood.close_code == 1008
        assert "message rate" in (flood.close_reason or "")
        assert 0 < answers < sent  # slowed: far from all of it was read before the end
        notes = station_records(caplog, "FLOOD")
        assert any("reading it slower" in n for n in notes)
        assert any("20 messages a second" in n and "disconnected" in n for n in notes)
        [gone] = [f for f in frames_of(engine, "FLOOD") if f.kind is Kind.DISCONNECTED]
        assert "disconnected by the CSMS" in gone.text
        # The other station never noticed.
        assert engine.csms.connected() == ["GOOD"]
        assert (await good.call(call.Heartbeat())).current_time
        assert all("slower" not in n for n in station_records(caplog, "GOOD"))


@pytest.mark.timeout(30)
async def test_stray_answers_count_against_the_rate_and_a_flood_of_them_is_cut_off(
    tmp_path: Path,
) -> None:
    # Strays never reach the session: the tap drops them. They must still be read at the
    # station's rate, or one station fills the CSMS's loop (and its recording) at will.
    sent, settings = 0, {"station_rate_limit": 20, "flood_patience": 1.0}
    async with own_engine(tmp_path, **settings) as engine, station(engine, "GOOD") as good:
        await boot(good)
        flood = await open_link(engine, "FLOOD")

        async def send_all() -> None:
            nonlocal sent
            with contextlib.suppress(ConnectionClosed):
                while sent < 100_000:
                    await flood.send(f'[3,"stray-{sent}",{{"pad":"{"x" * 100}"}}]')
                    sent += 1
                    if sent % 100 == 0:
                        await asyncio.sleep(0)  # until the socket pushes back, send never waits

        sending = asyncio.create_task(send_all())
        try:
            while flood.close_code is None and not sending.done():
                assert (await good.call(call.Heartbeat())).current_time
                await asyncio.sleep(0.1)
            await asyncio.wait_for(sending, 10)
            await flood.wait_closed()
        finally:
            sending.cancel()
            await asyncio.gather(sending, return_exceptions=True)
        assert flood.close_code == 1008
        assert "message rate" in (flood.close_reason or "")
        # About the rate for the patience (plus a second's burst and what was in flight
        # when the CSMS hung up), far from everything sent.
        recorded = [f for f in frames_of(engine, "FLOOD") if f.kind is Kind.MALFORMED]
        assert 20 <= len(recorded) <= 200 < sent
        assert engine.csms.connected() == ["GOOD"]


@pytest.mark.timeout(30)
async def test_a_flood_read_below_the_rate_by_a_busy_csms_is_still_cut_off(
    tmp_path: Path,
) -> None:
    # A busy loop reads the flood late: each late read refills the station's allowance,
    # so it never looks above the rate for long, yet its next message always waits.
    settings = {"station_rate_limit": 20, "flood_patience": 1.0}
    async with own_engine(tmp_path, **settings) as engine:
        flood = await open_link(engine, "FLOOD")
        busy = True

        async def hold_the_loop() -> None:
            while busy:
                time.sleep(0.08)  # the CSMS's other work, 80 ms at a time
                await asyncio.sleep(0)

        async def send_all() -> None:
            with contextlib.suppress(ConnectionClosed):
                for n in itertools.count():
                    await flood.send(f'[3,"stray-{n}",{{}}]')

        tasks = [asyncio.create_task(hold_the_loop()), asyncio.create_task(send_all())]
        try:
            await asyncio.wait_for(flood.wait_closed(), 8)
        finally:
            busy = False
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        assert flood.close_code == 1008
        assert "message rate" in (flood.close_reason or "")


def test_a_backlog_kept_since_the_station_was_slowed_runs_out_the_patience() -> None:
    rate = MessageRate(10, patience=2.0)
    for _ in range(10):
        rate.charge(0.0, queued=True)
    now = 0.0
    with pytest.raises(Flooding, match="more than 10 messages a second for 2s"):
        while now < 10:  # read late each time: its allowance is never short...
            assert rate.charge(now, queued=True) == pytest.approx(0.0) or now == 0.0
            now += 0.25
    assert rate.over_since is None  # ...so only its waiting messages give it away
    assert 2.0 < now <= 2.6


def test_a_station_whose_messages_stop_waiting_is_forgiven() -> None:
    rate = MessageRate(10, patience=2.0)
    for _ in range(11):
        rate.charge(0.0, queued=True)
    assert rate.backlog_since == 0.0
    rate.charge(0.3, queued=False)  # the CSMS waited for this one: nothing was queued
    assert rate.backlog_since is None
    for n in range(40):  # read late from then on, one at a time as they come
        assert rate.charge(0.5 + n * 0.25, queued=False) == 0.0


def test_the_rate_allows_a_burst_then_slows_then_gives_up() -> None:
    rate = MessageRate(10, patience=2.0)
    assert [rate.charge(0.0) for _ in range(10)] == [0.0] * 10  # a second's worth at once
    now, waits = 0.0, []
    with pytest.raises(Flooding, match="more than 10 messages a second for 2s"):
        while now < 10:  # it keeps on, never waiting by itself: each read waits for it
            waits.append(rate.charge(now))
            now += waits[-1]
    assert waits and all(w == pytest.approx(0.1) for w in waits)
    assert 1.8 <= now <= 2.1  # about the patience of being slowed, then it is over


def test_a_pause_forgives_a_burst() -> None:
    rate = MessageRate(10, patience=2.0)
    for _ in range(15):
        rate.charge(0.0)
    assert rate.over_since == 0.0
    assert rate.charge(1.5) == 0.0  # it went quiet long enough: back within the rate
    assert rate.over_since is None
    for n in range(100):  # then a steady 5 a second is never slowed
        assert rate.charge(2.0 + n / 5) == 0.0


@pytest.mark.timeout(30)
async def test_a_burst_is_slowed_but_not_disconnected(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    settings = {"station_rate_limit": 20, "flood_patience": 3.0}
    async with own_engine(tmp_path, **settings) as engine, station(engine, "CP1") as cp:
        await boot(cp)
        for _ in range(2):
            # Bursts of 30 calls, one in flight at a time: past the 20 a second allowed,
            # for less than the patience.
            for _ in range(30):
                assert (await cp.call(call.Heartbeat())).current_time
            await asyncio.sleep(1.1)  # a pause refills its allowance
        assert engine.csms.connected() == ["CP1"]
        assert any("reading it slower" in n for n in station_records(caplog, "CP1"))


# --- the largest message -----------------------------------------------------
@pytest.mark.timeout(20)
async def test_a_message_above_the_size_setting_is_refused(tmp_path: Path) -> None:
    async with own_engine(tmp_path, max_frame_bytes=4096) as engine:
        async with await open_link(engine, "BIG") as ws:
            await ws.send(data_transfer("fits", 3000))
            answer = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
            assert answer[:2] == [3, "fits"]
            await ws.send(data_transfer("too-big", 5000))
            with pytest.raises(ConnectionClosed):
                await asyncio.wait_for(ws.recv(), 5)
            assert ws.close_code == 1009
        await wait_for(lambda: not engine.csms.is_connected("BIG"))
        calls = [f.unique_id for f in frames_of(engine, "BIG") if f.kind is Kind.CALL]
        assert calls == ["fits"]  # the big one was never read, so never recorded
        [gone] = [f for f in frames_of(engine, "BIG") if f.kind is Kind.DISCONNECTED]
        assert "1009" in gone.text


# --- byte bounds under a flood of large frames --------------------------------
@asynccontextmanager
async def engine_with(frames: FrameLog, tmp_path: Path, **settings: Any) -> AsyncIterator[Engine]:
    live = Engine(make_settings(tmp_path, **settings))
    live.frames = frames  # the console's window, with bounds small enough to reach
    await live.start()
    try:
        yield live
    finally:
        await live.close()


@pytest.mark.timeout(30)
async def test_the_frame_log_stays_within_its_bytes_under_large_frames(tmp_path: Path) -> None:
    window = FrameLog(max_bytes=64 * 1024, cache_bytes=16 * 1024)
    async with engine_with(window, tmp_path, station_rate_limit=0, max_frame_bytes=8192) as engine:
        async with await open_link(engine, "BIG") as ws:
            for n in range(200):  # a flood: every call sent before any answer is read
                await ws.send(data_transfer(f"d{n}", 4000))
            for _ in range(200):
                await asyncio.wait_for(ws.recv(), 10)
        assert window.bytes <= 64 * 1024 < 200 * 4000
        assert window.cache_bytes <= 16 * 1024
        assert window.base > 0  # the oldest frames left the window (they are in the recording)
        newest = [window.get(p) for p in window.positions()]
        last_call = next(f for f in reversed(newest) if f is not None and f.kind is Kind.CALL)
        assert last_call.unique_id == "d199"
        pos = next(p for p in window.positions() if window.get(p) == last_call)
        answer = window.partner(pos)
        assert answer is not None and answer.unique_id == "d199"
        assert window.get(window.base - 1) is None


@pytest.mark.timeout(30)
async def test_the_frame_log_memory_is_a_setting(tmp_path: Path) -> None:
    async with own_engine(tmp_path, frame_log_mb=1, station_rate_limit=0) as engine:
        async with await open_link(engine, "BIG") as ws:
            for n in range(600):  # 2.4 MB of calls through a 1 MB window
                await ws.send(data_transfer(f"d{n}", 4000))
                await asyncio.wait_for(ws.recv(), 10)
        window = engine.frames
        assert window.bytes <= 1024 * 1024 < 600 * 4000
        assert window.base > 0
        assert window.get(len(window) - 1).unique_id == "d599"  # the newest stay


def big_answer(n: int, size: int) -> Frame:
    return Frame(float(n), "CP1", Direction.IN, Kind.RESULT, f"a{n}", "", {"data": "x" * size})


def test_early_answers_are_bounded_by_bytes_the_oldest_go_first() -> None:
    joins: Joiner[Frame] = Joiner(weigh=frame_bytes, max_bytes=100_000)
    for n in range(1_000):  # answers to calls nobody made, 10 KB each
        frame = big_answer(n, 10_000)
        joins.answer(frame, frame)
    assert joins.held_bytes <= 100_000
    assert len(joins) < 15
    newest = Frame(0.0, "CP1", Direction.OUT, Kind.CALL, "a999", "DataTransfer", {})
    oldest = Frame(0.0, "CP1", Direction.OUT, Kind.CALL, "a0", "DataTransfer", {})
    assert joins.call(newest, newest) == big_answer(999, 10_000)
    assert joins.call(oldest, oldest) is None
    # A saved set of halves comes back within the same bound.
    calls, answers = joins.halves()
    again: Joiner[Frame] = Joiner(weigh=frame_bytes, max_bytes=50_000)
    again.restore(calls, answers, [])
    assert again.held_bytes <= 50_000
    assert 0 < len(again) <= len(joins)


def test_small_early_answers_are_still_bounded_by_count() -> None:
    joins: Joiner[Frame] = Joiner(limit=100, weigh=frame_bytes)
    for n in range(1_000):
        frame = big_answer(n, 10)
        joins.answer(frame, frame)
    assert len(joins) <= 100
    assert 0 < joins.held_bytes < 100 * 1_000


# --- the log file -------------------------------------------------------------
@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """configure_logging to a buffer, as `ocppdeck serve` logs; the test's logging restored."""
    root = logging.getLogger()
    names = ("ocpp", "websockets", "ocppdeck.sim.wire")
    saved = (list(root.handlers), root.level, [logging.getLogger(n).level for n in names])
    buffer = io.StringIO()
    configure_logging(stream=buffer)
    try:
        yield buffer
    finally:
        handlers, level, levels = saved
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in handlers:
            root.addHandler(handler)
        root.setLevel(level)
        for name, old in zip(names, levels, strict=True):
            logging.getLogger(name).setLevel(old)


def lines_of(buffer: io.StringIO, station_id: str) -> list[dict[str, Any]]:
    entries = [orjson.loads(line) for line in buffer.getvalue().splitlines()]
    return [e for e in entries if e.get("station") == station_id]


@pytest.mark.timeout(60)
async def test_a_reconnecting_station_cannot_flood_the_log(
    tmp_path: Path, json_log: io.StringIO
) -> None:
    async with own_engine(tmp_path) as engine:
        for _ in range(50):  # each connection logs "connected" and "disconnected"
            async with await open_link(engine, "LOOPY"):
                pass
            await wait_for(lambda: not engine.csms.is_connected("LOOPY"))
        async with station(engine, "CALM") as cp:
            await boot(cp)
    loopy = lines_of(json_log, "LOOPY")
    assert len(loopy) == 60 + 1
    assert "over 60 log lines" in loopy[-1]["msg"]
    assert [e["msg"] for e in lines_of(json_log, "CALM")][:1] == ["connected CALM"]


def _record(station_id: str, at: float, msg: str = "line") -> logging.LogRecord:
    return logging.makeLogRecord(
        {"name": "ocppdeck.csms", "msg": msg, "created": at, "station": station_id}
    )


def test_the_log_says_how_many_lines_a_station_lost_and_cuts_long_ones() -> None:
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(StationLogLimit(per_minute=5))
    for n in range(20):
        handler.handle(_record("CP1", 1000.0 + n))
    for n in range(3):
        handler.handle(_record("CP2", 1000.0 + n))
    handler.handle(logging.makeLogRecord({"msg": "not a station's", "created": 1001.0}))
    handler.handle(_record("CP1", 1061.0, "y" * 100_000))  # a new minute
    entries = [orjson.loads(line) for line in buffer.getvalue().splitlines()]
    cp1 = [e for e in entries if e.get("station") == "CP1"]
    assert len(cp1) == 5 + 1 + 1
    assert "over 5 log lines" in cp1[5]["msg"]
    assert cp1[6]["suppressed"] == 15
    assert len(cp1[6]["msg"]) < 5_000 and "more characters" in cp1[6]["msg"]
    assert len([e for e in entries if e.get("station") == "CP2"]) == 3
    assert any(e["msg"] == "not a station's" for e in entries)
