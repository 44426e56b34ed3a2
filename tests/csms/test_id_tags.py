"""Id tags: effective status, CSV import / export, Authorize over websockets, the console screen."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from ocpp.v16 import ChargePoint, call
from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from websockets.asyncio.client import connect

from ocppdeck.core.clock import ManualClock, to_iso
from ocppdeck.core.csms.id_tags import (
    IdTagBook,
    IdTagError,
    check_tag,
    effective_status,
    parse_expiry,
    read_csv,
    write_csv,
)
from ocppdeck.core.csms.store import IdTag, Store
from ocppdeck.core.demo import DemoRun
from ocppdeck.core.engine import Engine
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.id_tags import AddTagScreen, ConfirmScreen, IdTagsScreen
from ocppdeck.tui.screens.prompt import PromptScreen
from tests.helpers.engine import make_settings, wait_for
from tests.helpers.scenario import scenario_app

NOW = 1_800_000_000.0


# --- effective status --------------------------------------------------------
def test_effective_status() -> None:
    past, future = to_iso(NOW - 1), to_iso(NOW + 3600)
    assert effective_status(None, NOW) == "Invalid"  # unknown
    assert effective_status(IdTag("A"), NOW) == "Accepted"
    assert effective_status(IdTag("A", expiry=future), NOW) == "Accepted"
    assert effective_status(IdTag("A", expiry=past), NOW) == "Expired"
    assert effective_status(IdTag("A", expiry=to_iso(NOW)), NOW) == "Expired"  # at expiry
    assert effective_status(IdTag("A", "Blocked", expiry=past), NOW) == "Blocked"
    assert effective_status(IdTag("A", "Invalid"), NOW) == "Invalid"
    child = IdTag("C", parent="P")
    assert effective_status(child, NOW, IdTag("P", "Blocked")) == "Blocked"
    assert effective_status(child, NOW, IdTag("P", "Expired")) == "Accepted"  # only a block
    assert effective_status(child, NOW, None) == "Accepted"  # a parent need not be a known tag
    assert effective_status(IdTag("A", expiry="garbage"), NOW) == "Invalid"


def test_validation() -> None:
    assert check_tag("  TAG-1 ") == "TAG-1"
    for bad in ("", "   ", "X" * 37, "A,B", "A\tB"):
        with pytest.raises(IdTagError):
            check_tag(bad)
    assert parse_expiry("") is None
    assert parse_expiry("2030-01-31") == "2030-01-31T00:00:00.000Z"
    assert parse_expiry("2030-01-31T18:00") == "2030-01-31T18:00:00.000Z"
    assert parse_expiry("2030-01-31T18:00:00+02:00") == "2030-01-31T16:00:00.000Z"
    assert parse_expiry("2030-01-31T18:00Z") == "2030-01-31T18:00:00.000Z"
    with pytest.raises(IdTagError) as caught:
        parse_expiry("next tuesday")
    assert caught.value.field == "expiry"


# --- CSV ---------------------------------------------------------------------
def test_csv_round_trip() -> None:
    tags = [
        IdTag("B", "Blocked", "GROUP", "2030-01-31T00:00:00.000Z"),
        IdTag("A"),
        IdTag("GROUP", "Accepted"),
        IdTag("Q\"uote'"),
        IdTag("04A2B9C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5", token_type="ISO14443"),
    ]
    text = write_csv(tags)
    assert text.splitlines()[0] == "id_tag,status,parent,expiry,type"
    assert text.splitlines()[1] == "04A2B9C1D2E3F4A5B6C7D8E9F0A1B2C3D4E5,Accepted,,,ISO14443"
    assert text.splitlines()[2] == "A,Accepted,,,"
    report = read_csv(text)
    assert report.errors == []
    assert report.tags == sorted(tags, key=lambda t: t.tag)


def test_csv_bad_rows_reported_with_line_numbers() -> None:
    text = "\n".join(
        [
            "id_tag,status,parent,expiry",
            "GOOD,accepted,,2030-01-01",  # 2: status read in any case
            ",Accepted,,",  # 3: no tag
            "X,Maybe,,",  # 4: unknown status
            "Y,Blocked,,soon",  # 5: bad expiry
            "",  # 6: blank lines are skipped silently
            "GOOD,Blocked,,",  # 7: duplicate
            "Z,Accepted,,,extra",  # 8: too many columns
            "SHORT",  # 9: missing columns are blank
            "LONG-TAG-IS-TOO-LONG-FOR-EVEN-OCPP-2.X,Accepted,,",  # 10: over 36 characters
        ]
    )
    report = read_csv(text)
    assert [t.tag for t in report.tags] == ["GOOD", "SHORT"]
    assert report.tags[0] == IdTag("GOOD", "Accepted", None, "2030-01-01T00:00:00.000Z")
    assert [line for line, _ in report.errors] == [3, 4, 5, 7, 8, 10]
    assert "status" in report.errors[1][1]
    assert "line 2" in report.errors[3][1]
    assert report.summary() == "2 tags imported, 6 rows skipped"
    # Files exported before token types (four columns) read the same, and a type is checked.
    old = read_csv("id_tag,status,parent,expiry\nOLD,Accepted,,\n")
    assert old.tags == [IdTag("OLD")]
    typed = read_csv("id_tag,status,parent,expiry,type\nT1,,,,emaid\nT2,,,,Bus\n")
    assert typed.tags == [IdTag("T1", token_type="eMAID")]
    assert typed.errors[0][0] == 3 and "type" in typed.errors[0][1]


def test_csv_without_header_is_refused() -> None:
    with pytest.raises(IdTagError, match="header"):
        read_csv("A,Accepted,,\n")


def test_book_import_export_and_delete(tmp_path: Path) -> None:
    clock = ManualClock(NOW)
    store = Store(tmp_path / "store.json")
    book = IdTagBook(store, clock)
    book.add("OLD")
    book.add("KID", parent="PARENT", expiry="2099-01-01")
    with pytest.raises(IdTagError) as caught:
        book.add("OLD")
    assert caught.value.field == "tag"
    with pytest.raises(IdTagError) as caught:
        book.add("SELF", parent="SELF")
    assert caught.value.field == "parent"
    source = tmp_path / "in.csv"
    source.write_text(
        "\ufeffid_tag,status,parent,expiry\nOLD,Blocked,,\nPARENT,Blocked,,\nNEW,,,\nBAD,,,x\n",
        encoding="utf-8",
    )
    report = book.import_csv(source)
    assert report.errors == [(5, report.errors[0][1])]
    assert {v.tag.tag: v.effective for v in book.entries()} == {
        "KID": "Blocked",  # its parent is blocked now
        "NEW": "Accepted",
        "OLD": "Blocked",
        "PARENT": "Blocked",
    }
    book.expire("NEW")
    assert book.status_of(store.id_tag("NEW")) == "Expired"  # type: ignore[arg-type]
    book.delete("OLD")
    with pytest.raises(IdTagError):
        book.delete("OLD")
    with pytest.raises(IdTagError):
        book.import_csv(tmp_path / "missing.csv")
    out = tmp_path / "out.csv"
    assert book.export_csv(out) == 3
    store.close()
    reopened = Store(tmp_path / "store.json")
    try:
        assert reopened.id_tag("OLD") is None  # the delete reached the file
        assert read_csv(out.read_text()).tags == sorted(reopened.id_tags(), key=lambda t: t.tag)
    finally:
        reopened.close()


# --- Authorize over websockets -------------------------------------------------
@asynccontextmanager
async def station(engine: Engine, station_id: str) -> AsyncIterator[ChargePoint]:
    """A connected 1.6 station with its receive loop running."""
    ws = await connect(f"{engine.csms.url}/{station_id}", subprotocols=["ocpp1.6"])
    cp = ChargePoint(station_id, ws, response_timeout=5)
    task = asyncio.create_task(cp.start())
    try:
        yield cp
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await ws.close()


@pytest.mark.timeout(20)
async def test_authorize_follows_the_book(tmp_path: Path) -> None:
    engine = Engine(make_settings(tmp_path, accept_unknown_tags=False))
    await engine.start()
    try:
        book = IdTagBook(engine.store, engine.clock)
        book.add("CARD")
        book.add("OLD")
        book.add("KID", parent="FLEET")
        book.add("FLEET")
        book.block("CARD")
        book.block("FLEET")
        book.expire("OLD")

        async def status(tag: str) -> str:
            answer = await cp.call(call.Authorize(id_tag=tag))
            return answer.id_tag_info["status"]

        async with station(engine, "CP1") as cp:
            assert await status("CARD") == "Blocked"
            assert await status("OLD") == "Expired"
            assert await status("KID") == "Blocked"
            started = await cp.call(
                call.StartTransaction(
                    connector_id=1, id_tag="OLD", meter_start=0, timestamp=to_iso(NOW)
                )
            )
            assert started.id_tag_info["status"] == "Expired"
            book.unblock("CARD")
            book.unblock("FLEET")
            assert await status("CARD") == "Accepted"
            assert await status("KID") == "Accepted"
            book.delete("CARD")
            assert await status("CARD") == "Invalid"
    finally:
        await engine.close()


# --- the console screen -------------------------------------------------------
@asynccontextmanager
async def id_tags_screen(tmp_path: Path) -> AsyncIterator[tuple[OcppDeckApp, Engine, Pilot[None]]]:
    """The console on a live engine with the id tags screen open."""
    engine = Engine(make_settings(tmp_path))
    app = OcppDeckApp(engine)
    async with app.run_test(size=(160, 48)) as pilot:
        try:
            await wait_for(lambda: engine.csms.listening)
            await pilot.press("i")
            await wait_for(lambda: isinstance(app.screen, IdTagsScreen))
            yield app, engine, pilot
        finally:
            await engine.close()


def rows(app: OcppDeckApp) -> list[list[str]]:
    """The id tags table as plain text."""
    table = app.screen.query_one(DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


@pytest.mark.timeout(20)
async def test_screen_add_block_delete(tmp_path: Path) -> None:
    async with id_tags_screen(tmp_path) as (app, engine, pilot):
        await pilot.press("a")
        await wait_for(lambda: isinstance(app.screen, AddTagScreen))
        app.screen.query_one("#tag-tag", Input).value = "CARD-1"
        app.screen.query_one("#tag-expiry", Input).value = "someday"
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, AddTagScreen)  # the bad expiry keeps the form open
        assert "ISO-8601" in str(app.screen.query_one("#error-expiry").render())
        app.screen.query_one("#tag-expiry", Input).value = "2099-12-31"
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, IdTagsScreen))
        assert rows(app) == [
            ["CARD-1", "Accepted", "Accepted", "", "2099-12-31T00:00:00.000Z", "any"]
        ]

        await pilot.press("b")
        await wait_for(lambda: rows(app)[0][1:3] == ["Blocked", "Blocked"])
        assert engine.store.id_tag("CARD-1") == IdTag(
            "CARD-1", "Blocked", None, "2099-12-31T00:00:00.000Z"
        )

        await pilot.press("d")
        await wait_for(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(lambda: isinstance(app.screen, IdTagsScreen) and rows(app) == [])
        assert engine.store.id_tag("CARD-1") is None

        await pilot.press("escape")
        await wait_for(lambda: not isinstance(app.screen, IdTagsScreen))


@pytest.mark.timeout(20)
async def test_screen_export_and_import(tmp_path: Path) -> None:
    async with id_tags_screen(tmp_path) as (app, engine, pilot):
        engine.store.put_id_tag(IdTag("B", "Blocked"))
        engine.store.put_id_tag(IdTag("A"))
        await pilot.press("x")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        prompt = app.screen.query_one(Input)
        assert prompt.value == str(tmp_path / "id_tags.csv")  # the data dir by default
        await pilot.press("enter")
        exported = tmp_path / "id_tags.csv"
        await wait_for(exported.exists)
        header = "id_tag,status,parent,expiry,type\n"
        assert exported.read_text() == header + "A,Accepted,,,\nB,Blocked,,,\n"

        incoming = tmp_path / "more.csv"
        incoming.write_text("id_tag,status,parent,expiry\nC,Accepted,B,\nD,Nope,,\n")
        await wait_for(lambda: isinstance(app.screen, IdTagsScreen))
        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = str(incoming)
        await pilot.press("enter")
        await wait_for(lambda: [r[0] for r in rows(app)] == ["A", "B", "C"])
        assert rows(app)[2][1:4] == ["Accepted", "Blocked", "B"]  # blocked by its parent

        await pilot.press("m")
        await wait_for(lambda: isinstance(app.screen, PromptScreen))
        app.screen.query_one(Input).value = str(tmp_path / "nowhere.csv")
        await pilot.press("enter")
        await wait_for(lambda: isinstance(app.screen, IdTagsScreen))
        assert any("cannot read" in n.message for n in app._notifications)


@pytest.mark.timeout(20)
async def test_no_id_tags_in_replay() -> None:
    app = scenario_app()
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.pause()
        await pilot.press("i")
        await pilot.pause()
        assert not isinstance(app.screen, IdTagsScreen)
        assert any("not available in replay" in n.message for n in app._notifications)


def test_demo_exposes_its_engines_store(tmp_path: Path) -> None:
    demo = DemoRun(make_settings(tmp_path))
    assert demo.store is demo.store
    demo.store.close()
