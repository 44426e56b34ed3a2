"""Tariffs and cost (block I) on loopback: a real 2.0.1 / 2.1 `ocpp` station is told the
running and final cost of its transaction (energy x tariff), and the console and the
report show the cost that was told."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from ocpp import v21, v201
from ocpp.routing import on
from websockets.asyncio.client import connect

from ocppdeck.core.clock import to_iso
from ocppdeck.core.engine import Engine
from ocppdeck.core.report.build import build_report
from ocppdeck.core.report.html import render_html
from ocppdeck.core.report.tables import tables
from ocppdeck.tui.widgets.connectors_table import connector_row
from tests.helpers.engine import out_calls, own_engine, wait_for
from tests.helpers.folded import recorded

VERSIONS = [("ocpp2.0.1", v201), ("ocpp2.1", v21)]
ENERGY = "Energy.Active.Import.Register"


class _Driver:
    """A 2.x station that keeps every CostUpdated the CSMS sends it."""

    lib: ModuleType

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection, response_timeout=5)  # type: ignore[call-arg]
        self.cost_updates: list[tuple[str, float]] = []

    @on("CostUpdated")
    def on_cost_updated(self, total_cost: float, transaction_id: str, **_: Any) -> Any:
        self.cost_updates.append((transaction_id, total_cost))
        return self.lib.call_result.CostUpdated()


class Driver201(_Driver, v201.ChargePoint):
    lib = v201


class Driver21(_Driver, v21.ChargePoint):
    lib = v21


DRIVERS = {"ocpp2.0.1": Driver201, "ocpp2.1": Driver21}


@asynccontextmanager
async def driver(engine: Engine, station_id: str, protocol: str) -> AsyncIterator[Any]:
    """A booted 2.x station with its receive loop running; disconnected on exit."""
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=[protocol])
    cp = DRIVERS[protocol](station_id, ws)
    task = asyncio.create_task(cp.start())
    try:
        await cp.call(
            cp.lib.call.BootNotification(
                charging_station={"vendor_name": "ACME", "model": "Duo"}, reason="PowerUp"
            )
        )
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()


async def event(cp: Any, kind: str, seq: int, energy_wh: float, tx_id: str = "tx-1") -> Any:
    """A TransactionEvent of `kind` on EVSE 1 with one energy reading; the CSMS's answer."""
    now = to_iso(time.time())
    info: dict[str, Any] = {"transaction_id": tx_id}
    if kind == "Ended":
        info["stopped_reason"] = "Local"
    return await cp.call(
        cp.lib.call.TransactionEvent(
            event_type=kind,
            timestamp=now,
            trigger_reason={"Started": "CablePluggedIn", "Updated": "MeterValuePeriodic"}.get(
                kind, "StopAuthorized"
            ),
            seq_no=seq,
            transaction_info=info,
            evse={"id": 1, "connector_id": 1} if kind == "Started" else None,
            meter_value=[
                {"timestamp": now, "sampled_value": [{"value": energy_wh, "measurand": ENERGY}]}
            ],
        )
    )


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_answers_carry_energy_times_tariff_and_cost_updated_follows(
    tmp_path: Path, protocol: str, lib: ModuleType
) -> None:
    async with (
        own_engine(tmp_path, tariff_per_kwh=0.3, currency="EUR") as engine,
        driver(engine, "CS1", protocol) as cp,
    ):
        started = await event(cp, "Started", 0, 10_000)
        assert started.total_cost is None  # nothing charged yet
        running = await event(cp, "Updated", 1, 12_500)
        assert running.total_cost == pytest.approx(0.75)  # 2.5 kWh x 0.30
        # The running cost is pushed too, once per change (I02).
        await wait_for(lambda: cp.cost_updates == [("tx-1", 0.75)])
        again = await event(cp, "Updated", 2, 12_500)
        assert again.total_cost == pytest.approx(0.75)
        ended = await event(cp, "Ended", 3, 14_000)
        assert ended.total_cost == pytest.approx(1.2)  # the final cost (I03): 4 kWh x 0.30
        [pushed] = out_calls(engine, "CS1", "CostUpdated")
        assert pushed.payload == {"totalCost": 0.75, "transactionId": "tx-1"}

        # The console's projection keeps the newest cost told of the transaction.
        await wait_for(lambda: engine.state.stations["CS1"].evses.get(1) is not None)
        await wait_for(lambda: _cost(engine, "CS1", "tx-1") == pytest.approx(1.2))
    # The report's sessions table has it, from the recording alone.
    report = build_report(recorded(tmp_path / "recording.jsonl"))
    [row] = tables(report)["sessions"]
    assert (row["transactionId"], row["energyKwh"], row["cost"]) == ("tx-1", 4.0, 1.2)
    page = render_html(report, {"path": "recording.jsonl"})
    sessions = page[page.index('id="table-sessions"') : page.index('id="sessionsByStation"')]
    assert '<th title="cost">cost</th>' in sessions and '<td class="num">1.2</td>' in sessions


def _cost(engine: Engine, station_id: str, tx_id: str) -> float | None:
    station = engine.state.stations[station_id]
    tx = engine.state.known(station, tx_id)
    return None if tx is None else tx.cost


@pytest.mark.timeout(30)
async def test_the_connectors_pane_shows_the_cost_told_of_an_open_transaction(
    tmp_path: Path,
) -> None:
    async with (
        own_engine(tmp_path, tariff_per_kwh=0.25, currency="CHF") as engine,
        driver(engine, "CS1", "ocpp2.0.1") as cp,
    ):
        await event(cp, "Started", 0, 0)
        await event(cp, "Updated", 1, 2_000)
        await wait_for(lambda: _cost(engine, "CS1", "tx-1") == pytest.approx(0.5))
        state = engine.state
        evse = state.stations["CS1"].evses[1]
        tariffs = engine.csms.costs.tariffs
        row = connector_row(state, "CS1", evse, None, tariffs)
        assert "0.50 CHF" in str(row[5]) and "est." not in str(row[5])


@pytest.mark.timeout(30)
async def test_per_station_prices_a_free_station_and_no_tariff(tmp_path: Path) -> None:
    prices = {"tariff_per_kwh": 0.3, "station_tariffs": ("FREE=0", "DEAR=1.5")}
    async with own_engine(tmp_path, **prices) as engine:
        for station_id, cost in (("FREE", 0.0), ("DEAR", 3.0), ("OTHER", 0.6)):
            async with driver(engine, station_id, "ocpp2.0.1") as cp:
                await event(cp, "Started", 0, 1_000)
                answer = await event(cp, "Updated", 1, 3_000)
                assert answer.total_cost == pytest.approx(cost), station_id
    async with (
        own_engine(tmp_path / "none") as engine,
        driver(engine, "CS1", "ocpp2.0.1") as cp,
    ):
        await event(cp, "Started", 0, 1_000)
        assert (await event(cp, "Updated", 1, 3_000)).total_cost is None
        assert (await event(cp, "Ended", 2, 4_000)).total_cost is None
        assert out_calls(engine, "CS1", "CostUpdated") == []
