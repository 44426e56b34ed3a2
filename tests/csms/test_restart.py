"""Restart durability: a CSMS killed with SIGKILL loses nothing a restart needs."""

from __future__ import annotations

import asyncio
import logging
import subprocess
import sys
import textwrap
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from ocpp.v16 import ChargePoint, call
from websockets.asyncio.client import connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.disk import snapshot
from ocppdeck.core.engine import STORE_FLUSH_INTERVAL, Engine
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.folded import recorded

SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from ocppdeck.core import engine as engine_module
    from ocppdeck.core.config import Settings
    from ocppdeck.core.engine import Engine

    engine_module.SNAPSHOT_EVERY = int(sys.argv[2])  # store-flush ticks between snapshots

    async def main() -> None:
        settings = Settings(port=0, data_dir=Path(sys.argv[1]), accept_unknown_tags=True)
        engine = Engine(settings)
        await engine.start()
        print(engine.csms.port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


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
async def server(tmp_path: Path, snapshot_every: int = 60) -> AsyncIterator[tuple[int, Path]]:
    """An ocppdeck CSMS in its own process: (port, data dir); killed with SIGKILL on exit."""
    data_dir = tmp_path / "data"
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(data_dir), str(snapshot_every)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield await asyncio.to_thread(read_port, proc), data_dir
        proc.kill()
        await asyncio.to_thread(proc.wait, 5)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert proc.returncode == -9


@pytest.mark.timeout(20)
async def test_state_and_ids_survive_sigkill(tmp_path: Path) -> None:
    async with server(tmp_path) as (port, data_dir):
        open_id, stopped_id, t0 = await drive_station(port)
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
    async with server(tmp_path, snapshot_every=1) as (port, data_dir):
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
