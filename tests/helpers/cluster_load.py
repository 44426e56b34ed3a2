"""One scripted load for the cluster tests: 1.6 stations that boot, report their
connectors, meter, and (some) charge, with timestamps of their own, so any run of
it folds to the same answers."""

from __future__ import annotations

from contextlib import AsyncExitStack

from ocpp.v16 import call

from ocppdeck.core.clock import to_iso
from ocppdeck.core.engine import Engine
from tests.helpers.station16 import Station, boot, meter_value, station

T0 = 1_700_000_000.0


async def charge(cp: Station, with_tx: bool) -> None:
    """Boot, two connectors Available; a transaction on 1 with a reading, or a reading
    on 2 alone."""
    await boot(cp)
    for connector in (1, 2):
        await cp.call(
            call.StatusNotification(
                connector_id=connector,
                error_code="NoError",
                status="Available",
                timestamp=to_iso(T0),
            )
        )
    if not with_tx:
        await cp.call(call.MeterValues(connector_id=2, meter_value=[meter_value(T0 + 30, 42, 0)]))
        return
    started = await cp.call(
        call.StartTransaction(
            connector_id=1, id_tag="TAG-1", meter_start=1000, timestamp=to_iso(T0 + 10)
        )
    )
    await cp.call(
        call.MeterValues(
            connector_id=1,
            transaction_id=started.transaction_id,
            meter_value=[meter_value(T0 + 60, 1500, 7000)],
        )
    )


async def run_load(
    stack: AsyncExitStack, plan: list[tuple[Engine, str, bool]]
) -> dict[str, Station]:
    """Each (engine, station id, with a transaction) in turn; the stations stay connected
    until `stack` closes."""
    stations: dict[str, Station] = {}
    for engine, station_id, with_tx in plan:
        cp = await stack.enter_async_context(station(engine, station_id))
        await charge(cp, with_tx)
        stations[station_id] = cp
    return stations
