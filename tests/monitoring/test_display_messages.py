"""Display messages (block O) end to end on 127.0.0.1: messages the console sets on a
simulated 2.0.1 / 2.1 station come back in NotifyDisplayMessages parts, assembled into
the station's list; a cleared one leaves it, and a later report does not bring it back."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.wire.frame import Direction, Kind
from tests.helpers.engine import frames_of, wait_for
from tests.monitoring.stations import DEVICE_MODEL_VERSIONS, answered, simulated

# A station's text that looks like markup and an escape: listed as is, never as style.
MARKUP = "[bold red]Free[/] charging \x1b[31m today"


@pytest.mark.timeout(40)
@pytest.mark.parametrize("protocol", DEVICE_MODEL_VERSIONS)
async def test_messages_set_listed_from_parts_and_cleared(tmp_path: Path, protocol: str) -> None:
    async with simulated(tmp_path, protocol) as (engine, station):
        sid, commands = station.spec.station_id, engine.commands
        texts = {n: f"Message {n}" for n in range(1, 6)} | {6: MARKUP}
        for n, text in texts.items():
            priority = "AlwaysFront" if n == 6 else "NormalCycle"
            set_one = commands.set_display_message(sid, n, priority, text, "Charging", minutes=30)
            assert (await answered(set_one)).status == "Accepted"

        assert (await answered(commands.get_display_messages(sid))).status == "Accepted"
        await wait_for(lambda: len(commands.display_messages(sid)) == 6)
        parts = [
            f.payload
            for f in frames_of(engine, sid)
            if f.kind is Kind.CALL
            and f.direction is Direction.IN
            and f.action == "NotifyDisplayMessages"
        ]
        assert [p["tbc"] for p in parts] == [True, False]  # four, then two
        listed = {n.subject: n for n in commands.display_messages(sid)}
        assert listed["6"].detail == MARKUP
        assert listed["6"].status.startswith("AlwaysFront, Charging, valid ")
        assert " to " in listed["6"].status  # its validity: from now, for 30 minutes

        assert (await answered(commands.clear_display_message(sid, 3))).status == "Accepted"
        await wait_for(lambda: "3" not in {n.subject for n in commands.display_messages(sid)})
        assert (await answered(commands.clear_display_message(sid, 3))).status == "Unknown"
        # Asked again: the station reports the five it holds; the cleared one stays gone.
        assert (await answered(commands.get_display_messages(sid))).accepted
        await wait_for(lambda: len(station_parts(engine, sid)) == 4)
        assert sorted(n.subject for n in commands.display_messages(sid)) == [
            "1",
            "2",
            "4",
            "5",
            "6",
        ]


def station_parts(engine: object, sid: str) -> list[object]:
    return [
        f
        for f in frames_of(engine, sid)  # type: ignore[arg-type]
        if f.direction is Direction.IN
        and f.action == "NotifyDisplayMessages"
        and f.kind is Kind.CALL
    ]
