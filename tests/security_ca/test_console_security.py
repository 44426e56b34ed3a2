"""The console's side of station security, on a live engine and a simulated station over
127.0.0.1: its security events on a screen (critical ones as faults, and as faults in the
report), a certificate signed from the Certificates form, and the ⧗ flag on a station
whose certificate ends within 30 days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from textual.widgets import DataTable, Label

from ocppdeck.core.engine import Engine
from ocppdeck.core.model.state import Topic
from ocppdeck.core.report.build import build_report
from ocppdeck.core.report.faults import SECURITY_EVENT
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.tui.app import OcppDeckApp
from ocppdeck.tui.screens.command_form import CommandForm
from ocppdeck.tui.screens.profile_upgrade import ProfileUpgradeScreen
from ocppdeck.tui.screens.security_events import SecurityEventsScreen
from ocppdeck.tui.widgets.stations_table import StationsTable
from tests.helpers.engine import make_settings, out_calls, wait_for
from tests.helpers.sim_csms import QUIET
from tests.helpers.tui import SIZE, Toasts, live_app, plain, select_live_connector


def short_lived_ca(folder: Path, days: int) -> tuple[Path, Path]:
    """A station CA whose own certificate ends in `days`: what it signs ends then too."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "short-lived station CA")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "ca.pem", folder / "ca.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


def cells(table: DataTable[object], key: str) -> list[str]:
    if key not in table.rows:
        return []
    return [plain(cell).strip() for cell in table.get_row(key)]


def event_rows(app: OcppDeckApp) -> list[list[str]]:
    table = app.screen.query_one("#security-events-table", DataTable)
    return [[plain(c).strip() for c in table.get_row_at(n)] for n in range(table.row_count)]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_security_events_and_an_expiring_certificate_in_the_console(
    tmp_path: Path, protocol: str
) -> None:
    cert, key = short_lived_ca(tmp_path, days=20)
    settings = make_settings(tmp_path / "data", station_ca_cert=cert, station_ca_key=key)
    engine = Engine(settings)
    app = OcppDeckApp(engine)
    [spec] = fleet_specs(1, seed=31, protocols=[protocol])
    sid = spec.station_id
    async with app.run_test(size=SIZE, message_hook=Toasts()) as pilot:
        await wait_for(lambda: engine.csms.listening)
        fleet = Fleet([spec], engine.csms.url, replace(QUIET, security_events=True))
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: station.booted, timeout=10)
            # A non-critical event too: listed, not a fault.
            await station.link.security_event("FailedToAuthenticateAtCsms")
            stations = app.query_one(StationsTable)
            await wait_for(lambda: "online" in " ".join(cells(stations, sid)))
            assert "⧗" not in " ".join(cells(stations, sid))
            stations.focus()

            await pilot.press("E")
            await wait_for(lambda: isinstance(app.screen, SecurityEventsScreen))
            await wait_for(lambda: len(event_rows(app)) == 2)
            shown = sorted(row[1:3] for row in event_rows(app))
            assert shown == [["FailedToAuthenticateAtCsms", ""], ["StartupOfTheDevice", "fault"]]
            await pilot.press("escape")
            await wait_for(lambda: not isinstance(app.screen, SecurityEventsScreen))

            # Certificates form: Sign is the action under List. The CA ends in 20 days, so
            # does the certificate it signs: flagged in the stations pane.
            await pilot.press("c")
            await wait_for(lambda: isinstance(app.screen, CommandForm))
            await pilot.press("down", "enter")
            await wait_for(lambda: out_calls(engine, sid, "CertificateSigned"), timeout=10)
            await wait_for(lambda: station.security.has_certificate, timeout=10)
            await wait_for(lambda: "⧗" in " ".join(cells(stations, sid)))
            soon = engine.commands.expiring_certificate(sid)
            assert soon is not None and soon.not_after - engine.clock.now() < 21 * 86400

            # The report counts the critical event as a fault, and only it.
            log = engine.frames
            frames = [f for p in log.positions() if (f := log.get(p)) is not None]
            report = build_report(frames)
            found = [(x.station, x.code) for x in report.faults if x.kind == SECURITY_EVENT]
            assert found == [(sid, "StartupOfTheDevice")]
            notices = engine.state.stations[sid].noticed(Topic.SECURITY)
            assert {n.status: n.flag for n in notices} == {
                "StartupOfTheDevice": True,
                "FailedToAuthenticateAtCsms": False,
            }
        finally:
            await fleet.close()
            await app.source.close()


@pytest.mark.timeout(60)
async def test_the_upgrade_screen_shows_the_whole_new_password_once(tmp_path: Path) -> None:
    """U on a profile-0 station: the screen says 0 → 1 and shows the password the station
    now uses, every character of it on screen (an operator copies it from there)."""
    async with live_app(tmp_path) as (app, engine, pilot, _):
        [spec] = fleet_specs(1, seed=31, protocols=["ocpp2.0.1"])
        fleet = Fleet([spec], engine.csms.url, QUIET)
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: station.booted, timeout=10)
            await select_live_connector(app, spec.station_id)
            await pilot.press("U")
            await wait_for(lambda: isinstance(app.screen, ProfileUpgradeScreen))
            secret = app.screen.query_one("#upgrade-secret", Label)
            await wait_for(lambda: station.password is not None and plain(secret.render()), 15)
            password = station.password
            assert password is not None and len(password) == 40

            def drawn() -> list[str]:
                return [secret.render_line(y).text for y in range(secret.size.height)]

            # Drawn once the label's new size is laid out (a redraw or two later).
            await wait_for(lambda: any(password in line for line in drawn()), timeout=10)
            # …and none of it cut off by the box around it.
            box = app.screen.query_one("#upgrade").content_region
            assert secret.region.right <= box.right, (secret.region, box)
            status = app.screen.query_one("#upgrade-status", Label)
            assert "profile 0 → 1" in plain(status.render())
            await pilot.press("escape")
            assert not isinstance(app.screen, ProfileUpgradeScreen)
        finally:
            await fleet.close()
