"""Restart durability: a CSMS killed with SIGKILL loses nothing a restart needs."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from ocpp.v16 import ChargePoint, call
from websockets.asyncio.client import connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.engine import STORE_FLUSH_INTERVAL, Engine
from tests.helpers.engine import make_settings
from tests.helpers.folded import recorded

SERVER = textwrap.dedent(
    """
    import asyncio, sys
    from pathlib import Path
    from ocppdeck.core.config import Settings
    from ocppdeck.core.engine import Engine

    async def main() -> None:
        settings = Settings(port=0, data_dir=Path(sys.argv[1]), accept_unknown_tags=True)
        engine = Engine(settings)
        await engine.start()
        print(engine.csms.port, flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())
    """
)


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


@pytest.mark.timeout(20)
async def test_state_and_ids_survive_sigkill(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    script = tmp_path / "server.py"
    script.write_text(SERVER)
    proc = subprocess.Popen(
        [sys.executable, str(script), str(data_dir)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = await asyncio.to_thread(read_port, proc)
        open_id, stopped_id, t0 = await drive_station(port)
        # Give the batched store writer one full interval, then pull the plug.
        await asyncio.sleep(STORE_FLUSH_INTERVAL + 0.5)
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
