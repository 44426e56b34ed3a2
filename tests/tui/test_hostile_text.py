"""Whatever a station (or a file) says, the console shows it as text and keeps running.

Hypothesis makes the strings (markup, ANSI escapes, control characters, very
long, wide and right-to-left text); they become station ids, vendors, id tags,
status info, error codes, configuration names and values, DataTransfer text,
CallError descriptions and unreadable frames, and the test opens every pane
and screen on them.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ocppdeck.core.clock import ManualClock, to_iso
from ocppdeck.core.csms.store import IdTag
from ocppdeck.core.engine import Engine
from ocppdeck.core.model.projection import fold
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.station_text import shown
from tests.helpers.engine import make_settings

T0 = 1_740_823_200.0
NASTY = [
    "[/]",
    "[bold red]x",
    "[link=https://example.com]click[/link]",
    "\x1b[31mRED\x1b[0m\x1b]0;title\x07",
    "\u202eevil\u202c",
    "tab\there\nnew line\rcarriage\x00nul\x7fdel\x9bcsi",
    "中文字符" * 40,
    "مرحبا بالعالم",
    "x" * 3000,
    "]][[",
    "\\[escaped]",
]
hostile = st.one_of(st.sampled_from(NASTY), st.text(min_size=1, max_size=60))


def frames(station: str, words: list[str]) -> list[Frame]:
    """A 1.6 station and a 2.0.1 station whose every string is hostile."""
    w = (words * 8)[:8]
    n = iter(range(1000))

    def exchange(sid: str, proto: str, action: str, payload: Any, answer: Any) -> list[Frame]:
        uid = f"{w[0]}-{next(n)}"
        t = T0 + len(out)
        return [
            Frame(t, sid, Direction.IN, Kind.CALL, uid, action, payload, proto),
            Frame(t + 0.1, sid, Direction.OUT, Kind.RESULT, uid, "", answer, proto),
        ]

    out: list[Frame] = [Frame(T0, station, Direction.IN, Kind.CONNECTED, protocol="ocpp1.6")]
    boot = {"chargePointVendor": w[1], "chargePointModel": w[2], "firmwareVersion": w[3]}
    out += exchange(station, "ocpp1.6", "BootNotification", boot, {"status": w[4]})
    status = {"connectorId": 1, "status": w[5], "errorCode": w[6], "info": w[7]}
    out += exchange(station, "ocpp1.6", "StatusNotification", status, {})
    start = {"connectorId": 1, "idTag": w[0], "meterStart": 0, "timestamp": to_iso(T0)}
    out += exchange(station, "ocpp1.6", "StartTransaction", start, {"transactionId": w[1]})
    data = {"vendorId": w[2], "messageId": w[3], "data": w[4]}
    out += exchange(station, "ocpp1.6", "DataTransfer", data, {"status": w[5]})
    t = T0 + 50
    out.append(
        Frame(t, station, Direction.OUT, Kind.CALL, "c1", "Reset", {"type": "Soft"}, "ocpp1.6")
    )
    out.append(
        Frame(t, station, Direction.IN, Kind.ERROR, "c1", w[6], {"x": w[7]}, "ocpp1.6", w[0])
    )
    out.append(Frame(t, station, Direction.IN, Kind.MALFORMED, "", "", {"error": w[1]}, "", w[2]))
    report = {
        "requestId": 1,
        "generatedAt": to_iso(T0),
        "seqNo": 0,
        "reportData": [
            {
                "component": {"name": w[3], "instance": w[4]},
                "variable": {"name": w[5]},
                "variableAttribute": [{"value": w[6], "mutability": "ReadWrite"}],
            }
        ],
    }
    two = f"{station}-2x"
    out.append(Frame(T0, two, Direction.IN, Kind.CONNECTED, protocol="ocpp2.0.1"))
    out += exchange(two, "ocpp2.0.1", "NotifyReport", report, {})
    return out


async def visit_everything(station: str, words: list[str], data_dir: Path) -> None:
    engine = Engine(make_settings(data_dir), ManualClock(T0 + 3600))
    fold(frames(station, words), engine.projection)
    engine.store.put_id_tags([IdTag(w, parent=words[0], token_type=w) for w in words[:5]])
    engine.csms.registry.note_pending(station, None)  # as a hand-edited store could hold
    engine.commands.reset(station)  # queued: the station is not connected
    app = OcppDeckApp(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        try:
            await pilot.pause()
            keys = [
                ["down"],
                ["up"],  # every station's panes
                ["question_mark"],
                ["escape"],
                ["tab", "tab", "up", "enter"],
                ["escape"],  # the inspector on a frame
                ["up", "up", "enter"],
                ["escape"],
                ["w"],
                ["escape"],  # queue
                ["i"],
                ["escape"],  # id tags
                ["a"],
                ["escape"],  # automations
                ["S"],
                ["escape"],  # registry
                ["e"],
                ["escape"],  # crafter
                ["shift+tab", "shift+tab", "K"],
                ["escape"],  # configuration
                ["R"],
                ["escape"],  # a command form titled with the station
                ["ctrl+p", *"go"],
                ["escape"],  # the palette lists every station
                ["slash", *"[/]", "enter"],
                ["escape", "escape"],  # a filter that looks like markup
            ]
            for step in keys:
                await pilot.press(*step)
                await pilot.pause()
                assert app.is_running, step
        finally:
            await engine.close()


def run(station: str, words: list[str]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        asyncio.run(visit_everything(station, words, Path(folder)))


@pytest.mark.timeout(300)
@settings(
    max_examples=6,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(station=hostile, words=st.lists(hostile, min_size=1, max_size=8))
@example(station="[/]", words=NASTY)
@example(station="\x1b[2J\u202e", words=list(reversed(NASTY)))
def test_every_pane_and_screen_survives_any_station_text(station: str, words: list[str]) -> None:
    run(station, words)


def test_station_text_is_shown_not_obeyed() -> None:
    assert shown("CP-1 [/]") == "CP-1 [/]"  # markup characters stay; Text never parses them
    assert shown("\x1b[31mred") == "\\x1b[31mred"
    assert shown("a\u202eb") == "a\\u202eb"
    assert shown("line\nbreak\ttab") == "line\\x0abreak\\x09tab"
    assert shown("中文 مرحبا") == "中文 مرحبا"
