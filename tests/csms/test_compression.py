"""permessage-deflate over real loopback websockets: negotiated without context takeover
when the setting is on (the default), refused when off; either way the station is served,
and the setting comes from the flag, the environment or the file."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from ocpp.v16 import call
from websockets.asyncio.client import connect

from ocppdeck.core.config import load_settings
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.cli import build_parser, settings_from
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.station16 import Station, boot

# Large and repetitive, as configuration and report payloads are: it compresses well.
BIG = "NumberOfConnectors=2;MeterValuesSampledData=Energy.Active.Import.Register;" * 200


async def served_with_deflate_offered(engine: Engine, station_id: str) -> str | None:
    """Connect offering permessage-deflate, boot, send two large DataTransfers; returns
    the extensions the CSMS accepted (None: none)."""
    url = f"{engine.csms.url}/{station_id}"
    async with connect(url, subprotocols=["ocpp1.6"], compression="deflate") as ws:
        cp = Station(station_id, ws)
        reader = asyncio.create_task(cp.start())
        try:
            await boot(cp)
            for n in range(2):  # two: each message is compressed on its own
                await cp.call(call.DataTransfer(vendor_id="ACME", data=f"{n}{BIG}"))
        finally:
            reader.cancel()
            await asyncio.gather(reader, return_exceptions=True)
        assert ws.response is not None
        return ws.response.headers.get("Sec-WebSocket-Extensions")


@pytest.mark.timeout(30)
async def test_deflate_is_negotiated_by_default_and_keeps_no_state_between_messages(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path) as engine:
        accepted = await served_with_deflate_offered(engine, "ZIP")
        assert accepted is not None
        assert "permessage-deflate" in accepted
        # Neither side keeps zlib state between messages: idle stations hold none.
        assert "server_no_context_takeover" in accepted
        assert "client_no_context_takeover" in accepted
        await wait_for(lambda: len(_data_transfers(engine, "ZIP")) == 2)
        # The recording holds the messages as sent, not their compressed bytes.
        assert [f.payload["data"] for f in _data_transfers(engine, "ZIP")] == [
            f"{n}{BIG}" for n in range(2)
        ]


@pytest.mark.timeout(30)
async def test_deflate_off_serves_a_station_that_offers_it_uncompressed(tmp_path: Path) -> None:
    async with own_engine(tmp_path, permessage_deflate=False) as engine:
        assert await served_with_deflate_offered(engine, "PLAIN") is None
        await wait_for(lambda: len(_data_transfers(engine, "PLAIN")) == 2)


def test_the_setting_reads_on_and_off_from_flag_environment_and_file(tmp_path: Path) -> None:
    assert load_settings({}, env={}).permessage_deflate is True
    assert load_settings({}, env={"OCPPDECK_PERMESSAGE_DEFLATE": "off"}).permessage_deflate is False
    toml = tmp_path / "ocppdeck.toml"
    toml.write_text("permessage_deflate = false\n")
    assert load_settings({}, env={}, config_file=toml).permessage_deflate is False
    args = build_parser().parse_args(["--data-dir", str(tmp_path), "--permessage-deflate", "off"])
    assert settings_from(args).permessage_deflate is False
    args = build_parser().parse_args(["serve", "--permessage-deflate", "on"])
    assert settings_from(args).permessage_deflate is True


def _data_transfers(engine: Engine, station_id: str) -> list[Frame]:
    return [
        f
        for f in frames_of(engine, station_id)
        if f.kind is Kind.CALL and f.direction is Direction.IN and f.action == "DataTransfer"
    ]
