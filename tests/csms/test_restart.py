"""Restart durability: a CSMS killed with SIGKILL loses nothing a restart needs."""

from __future__ import annotations

import asyncio
import itertools
import logging
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ocpp.exceptions import InternalError
from ocpp.routing import on
from ocpp.v16 import ChargePoint, call, call_result
from ocpp.v16.enums import Action, AuthorizationStatus, ResetStatus
from websockets.asyncio.client import connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.csms import transaction_ids
from ocppdeck.core.csms.outbound_queue import CallState, QueuedCallRecord
from ocppdeck.core.disk import snapshot
from ocppdeck.core.engine import STORE_FLUSH_INTERVAL, Engine
from tests.helpers.engine import make_settings, own_engine, wait_for
from tests.helpers.folded import recorded

ROOT = Path(__file__).resolve().parents[2]  # the repository, for tests.helpers

SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[1])
    from ocpp.v16 import call
    from ocppdeck.core import engine as engine_module
    from ocppdeck.core.config import Settings
    from ocppdeck.core.csms import transaction_ids
    from ocppdeck.core.engine import Engine
    from tests.helpers.disk_full import refuse_writes

    data_dir = Path(sys.argv[2])
    engine_module.SNAPSHOT_EVERY = int(sys.argv[3])  # store-flush ticks between snapshots
    engine_module.STORE_FLUSH_INTERVAL = float(sys.argv[4])
    transaction_ids.BLOCK = int(sys.argv[5])
    transaction_ids.LOW_WATER = transaction_ids.BLOCK // 2
    refuse_writes((data_dir.parent / "disk-full").exists)  # the test fills the disk so

    async def main() -> None:
        settings = Settings(port=0, data_dir=data_dir, accept_unknown_tags=True)
        engine = Engine(settings)
        await engine.start()
        print(engine.csms.port, flush=True)
        loop = asyncio.get_running_loop()
        # Each line on stdin names a station to queue a Reset for; the reply is its id.
        while station := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
            print(engine.csms.submit(station, call.Reset(type="Soft")).id, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


METER = itertools.count(1000, 10)  # Wh at each start


@dataclass(frozen=True, slots=True)
class Served:
    """An ocppdeck CSMS in its own process."""

    port: int
    data_dir: Path
    proc: subprocess.Popen[str]

    async def submit(self, station_id: str) -> int:
        """Queue a Reset for the station in the server; its command id once `submit` returned."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write(station_id + "\n")
        self.proc.stdin.flush()
        return int(await asyncio.to_thread(self.proc.stdout.readline))


def recording_text(data_dir: Path) -> str:
    """What the server has recorded so far."""
    return (data_dir / "recording.jsonl").read_text()


def read_port(proc: subprocess.Popen[str]) -> int:
    """The port the server prints once it listens."""
    assert proc.stdout is not None and proc.stderr is not None
    line = proc.stdout.readline()
    if not line.strip():
        raise AssertionError(f"server did not start: {proc.stderr.read()}")
    return int(line)


async def drive_station(port: int) -> tuple[int, int, float]:
    """Boot, start two transactions, stop the second; returns (open id, stopped id, t0)."""
    t0 = time.time()
    async with connect(f"ws://127.0.0.1:{port}/CP1", subprotocols=["ocpp1.6"]) as ws:
        cp = ChargePoint("CP1", ws, response_timeout=5)
        receive = asyncio.create_task(cp.start())
        try:
            await cp.call(
                call.BootNotification(charge_point_vendor="ACME", charge_point_model="Twin")
            )
            first = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag="TAG-1", meter_start=1234, timestamp=to_iso(t0)
                )
            )
            second = await cp.call(
                call.StartTransaction(
                    connector_id=2, id_tag="TAG-2", meter_start=500, timestamp=to_iso(t0 + 1)
                )
            )
            await cp.call(
                call.StopTransaction(
                    meter_stop=900,
                    timestamp=to_iso(t0 + 2),
                    transaction_id=second.transaction_id,
                    reason="Local",
                )
            )
        finally:
            receive.cancel()
            await asyncio.gather(receive, return_exceptions=True)
    return first.transaction_id, second.transaction_id, t0


@asynccontextmanager
async def server(
    tmp_path: Path,
    snapshot_every: int = 60,
    flush_every: float = STORE_FLUSH_INTERVAL,
    block: int = transaction_ids.BLOCK,
) -> AsyncIterator[Served]:
    """An ocppdeck CSMS in its own process on tmp_path/data; killed with SIGKILL on exit.

    While the file tmp_path/disk-full exists, its file layer refuses every write (ENOSPC).
    """
    data_dir = tmp_path / "data"
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    argv = [str(ROOT), str(data_dir), str(snapshot_every), str(flush_every), str(block)]
    proc = subprocess.Popen(
        [sys.executable, str(script), *argv],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield Served(await asyncio.to_thread(read_port, proc), data_dir, proc)
        proc.kill()
        await asyncio.to_thread(proc.wait, 5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -9


@pytest.mark.timeout(20)
async def test_state_and_ids_survive_sigkill(tmp_path: Path) -> None:
    async with server(tmp_path) as served:
        data_dir = served.data_dir
        open_id, stopped_id, t0 = await drive_station(served.port)
        # Give the batched store writer one full interval, then pull the plug.
        await asyncio.sleep(STORE_FLUSH_INTERVAL + 0.5)

    engine = Engine(make_settings(data_dir))
    try:
        report = engine.restore()
        assert report.frames > 0
        assert report.skipped == []
        state = engine.state
        station = state.stations["CP1"]
        assert (station.vendor, station.model) == ("ACME", "Twin")
        assert not state.is_online(station)  # its connection died with the process
        [open_tx] = state.open_transactions("CP1")
        assert open_tx.transaction_id == str(open_id)
        assert (open_tx.evse_id, open_tx.meter_start) == (1, 1234)
        assert open_tx.started_at == pytest.approx(t0, abs=0.001)
        stopped = state.transactions[("CP1", str(stopped_id))]
        assert not stopped.is_open
        assert state.energy_so_far(stopped) == 400
        next_id = engine.store.next_transaction_id()
        assert next_id > max(open_id, stopped_id)
        seqs = [f.seq for f in recorded(data_dir / "recording.jsonl")]
        assert engine.bus.next_seq == max(seqs) + 1  # numbering goes on, never reused
    finally:
        await engine.close()


@pytest.mark.timeout(30)
async def test_a_sigkill_after_a_snapshot_restores_from_it_and_the_frames_after(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async with server(tmp_path, snapshot_every=1) as served:
        port, data_dir = served.port, served.data_dir
        open_id, stopped_id, _ = await drive_station(port)
        path = data_dir / "snapshot.json"
        for _ in range(100):  # a snapshot a second; wait for one that holds the station
            saved = snapshot.load(path)
            if saved is not None and "CP1" in saved.projection.state.stations:
                break
            await asyncio.sleep(0.1)
        else:
            raise AssertionError("no snapshot was written")
        # More after it, then pull the plug before a snapshot holds them (one comes every
        # second: a station the snapshot caught already is followed by another).
        late = ""
        for n in range(2, 12):
            late = f"CP{n}"
            async with connect(f"ws://127.0.0.1:{port}/{late}", subprotocols=["ocpp1.6"]):
                pass
            await wait_for(lambda sid=late: f'"station":"{sid}"' in recording_text(data_dir))
            saved = snapshot.load(path)
            if saved is not None and late not in saved.projection.state.stations:
                break
    taken = snapshot.load(path)
    assert taken is not None
    seqs = [f.seq for f in recorded(data_dir / "recording.jsonl")]
    assert 0 < taken.seq < max(seqs)  # the snapshot is older than the recording's tail

    engine = Engine(make_settings(data_dir))
    try:
        with caplog.at_level(logging.WARNING, logger="ocppdeck.snapshot"):
            engine.restore()
        ignored = [r for r in caplog.records if r.name == "ocppdeck.snapshot"]
        assert not ignored  # the snapshot was read, not ignored
        state = engine.state
        [open_tx] = state.open_transactions("CP1")
        assert open_tx.transaction_id == str(open_id)
        assert not state.transactions[("CP1", str(stopped_id))].is_open
        assert late in state.stations  # from the frames after the snapshot
        assert len(engine.frames) == max(seqs) - taken.seq  # only those were refolded
        assert engine.bus.next_seq == max(seqs) + 1
    finally:
        await engine.close()


# --- a full disk, then a kill -9 ---------------------------------------------------------
@asynccontextmanager
async def booted(port: int, station_id: str) -> AsyncIterator[ChargePoint]:
    """A real 1.6 station, booted; disconnected on exit."""
    async with connect(f"ws://127.0.0.1:{port}/{station_id}", subprotocols=["ocpp1.6"]) as ws:
        cp = ChargePoint(station_id, ws, response_timeout=5)
        receive = asyncio.create_task(cp.start())
        try:
            await cp.call(call.BootNotification(charge_point_vendor="ACME", charge_point_model="X"))
            yield cp
        finally:
            receive.cancel()
            await asyncio.gather(receive, return_exceptions=True)


async def start_transaction(cp: ChargePoint) -> int | str:
    """A StartTransaction on connector 1: its id, or how the CSMS refused it ("InternalError":
    it cannot record it now, "Invalid": no id on disk). Each has a meter reading of its own:
    the same start again would be a repeat (one transaction)."""
    start = call.StartTransaction(
        connector_id=1, id_tag="TAG-1", meter_start=next(METER), timestamp=to_iso(time.time())
    )
    try:
        answer = await cp.call(start, suppress=False)
    except InternalError:
        return "InternalError"
    if answer.id_tag_info["status"] == AuthorizationStatus.accepted:
        return int(answer.transaction_id)
    assert answer.id_tag_info["status"] == AuthorizationStatus.invalid
    assert answer.transaction_id == transaction_ids.REFUSED
    return "Invalid"


async def accepted(cp: ChargePoint, starts: int) -> list[int]:
    """`starts` StartTransactions, each of them numbered: their ids."""
    ids = [await start_transaction(cp) for _ in range(starts)]
    assert all(isinstance(tx, int) for tx in ids), ids
    return [tx for tx in ids if isinstance(tx, int)]


@pytest.mark.timeout(60)
async def test_no_transaction_id_is_reused_and_no_start_taken_across_a_full_disk_and_a_sigkill(
    tmp_path: Path,
) -> None:
    """The full disk is an ENOSPC injected at the server process's file layer (the store and
    the recorder write through it; tests/helpers/disk_full.py), on while tmp_path/disk-full
    exists. Blocks of 4 ids, so a runway of reserved ids is all the disk holds."""
    full = tmp_path / "disk-full"
    handed: list[int] = []
    async with server(tmp_path, block=4) as served, booted(served.port, "CP1") as cp:
        handed += await accepted(cp, 3)
        full.touch()
        # The recording cannot take a start: it is refused, for the station to send again.
        assert [await start_transaction(cp) for _ in range(3)] == ["InternalError"] * 3
    # kill -9 with the disk still full: still refused after the restart.
    async with server(tmp_path, block=4) as served, booted(served.port, "CP1") as cp:
        assert await start_transaction(cp) == "InternalError"
        full.unlink()  # space returns: starts are numbered again, without a restart
        handed += await accepted(cp, 6)
    async with server(tmp_path, block=4) as served, booted(served.port, "CP1") as cp:
        handed += await accepted(cp, 3)
    assert handed == sorted(set(handed))  # every id handed out once, in order


class ResettableStation(ChargePoint):
    """A 1.6 station that accepts a Reset and remembers it."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)
        self.resets: list[str] = []

    @on(Action.reset)
    def on_reset(self, type: str) -> call_result.Reset:
        self.resets.append(type)
        return call_result.Reset(status=ResetStatus.accepted)


@pytest.mark.timeout(30)
async def test_a_command_accepted_just_before_a_sigkill_is_sent_after_restart(
    tmp_path: Path,
) -> None:
    # No store write in the server's life: the command can only be on disk in its journal.
    async with server(tmp_path, flush_every=3600) as served:
        command_id = await served.submit("CP7")
        data_dir = served.data_dir
    # killed the moment `submit` returned
    async with own_engine(data_dir) as engine:

        def sent() -> QueuedCallRecord:
            return next(c for c in engine.csms.commands_overview() if c.id == command_id)

        url = f"ws://127.0.0.1:{engine.csms.port}/CP7"
        async with connect(url, subprotocols=["ocpp1.6"]) as ws:
            cp = ResettableStation("CP7", ws)
            receive = asyncio.create_task(cp.start())
            try:
                await cp.call(call.Heartbeat())  # its first message: the queue may follow
                # Until its answer is in: the station answers after its handler has run.
                await wait_for(lambda: sent().state is CallState.ANSWERED)
            finally:
                receive.cancel()
                await asyncio.gather(receive, return_exceptions=True)
        assert cp.resets == ["Soft"]
        assert (sent().station, sent().action, sent().status) == ("CP7", "Reset", "Accepted")
