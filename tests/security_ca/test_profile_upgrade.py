"""One command moves a simulated station up a security profile, on 127.0.0.1 in every
version: 0 → 1 (a password), 1 → 2 (to the TLS port beside the plain one) and 2 → 3 (a
certificate of ocppdeck's station CA, over TLS); afterwards a connection at the old profile
is refused, and 1 → 2 on a CSMS that serves no TLS is refused, saying why."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import call_result
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from ocppdeck.core.csms.builders.contract import CommandUnavailable
from ocppdeck.core.csms.certificates import PRESENTED, SIGNED
from ocppdeck.core.csms.profile_upgrade import upgrade_profile
from ocppdeck.core.csms.server import Csms
from ocppdeck.core.dialects import DIALECTS
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.station import SimStation, basic_auth
from tests.helpers.certs import make_pki
from tests.helpers.engine import out_calls, own_engine, wait_for
from tests.helpers.sim_csms import QUIET
from tests.helpers.station16 import Station, boot, station
from tests.helpers.station_ca import PASSWORD, ca_files, secured

VERSIONS = list(DIALECTS)


async def refused_status(url: str, protocol: str, **kwargs: object) -> int:
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, subprotocols=[protocol], **kwargs):  # type: ignore[arg-type]
            pass
    status: int = caught.value.response.status_code
    return status


def back(csms: Csms, station_id: str, old: object | None, station: SimStation) -> bool:
    """Whether the station booted again on a new connection (after the upgrade's reset)."""
    return csms.link(station_id) not in (None, old) and station.booted


def presents_signed(csms: Csms, station_id: str) -> bool:
    """Whether the station is connected with the certificate ocppdeck signed for it."""
    known = {c.source: c.serial for c in csms.certificates.of(station_id)}
    return csms.is_connected(station_id) and known.get(PRESENTED, 0) == known.get(SIGNED)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_profile_0_to_1_gives_a_password_and_refuses_the_old_profile_after(
    tmp_path: Path, protocol: str
) -> None:
    async with own_engine(tmp_path) as engine:  # profile 0, open registration
        [spec] = fleet_specs(1, seed=21, protocols=[protocol])
        sid = spec.station_id
        fleet = Fleet([spec], engine.csms.url, QUIET)
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: station.booted, timeout=10)
            link = engine.csms.link(sid)
            upgrade = await upgrade_profile(engine.commands, sid)
            assert (upgrade.before, upgrade.after) == (0, 1)
            assert upgrade.password is not None and station.password == upgrade.password
            entry = engine.csms.registry.get(sid)
            assert entry is not None and entry.profile == 1
            # The station was told its profile, reset, and came back with its password.
            told = "ChangeConfiguration" if protocol == "ocpp1.6" else "SetNetworkProfile"
            assert out_calls(engine, sid, told)
            assert out_calls(engine, sid, "Reset")
            await wait_for(lambda: back(engine.csms, sid, link, station), 15)
            assert station.security.profile == 1
            # Profile 0 (no password) is refused now; the right password still gets in.
            url = f"{engine.csms.url}/{sid}"
            assert await refused_status(url, protocol) == 401
            wrong = {"Authorization": basic_auth(sid, "not-the-password-1234")}
            assert await refused_status(url, protocol, additional_headers=wrong) == 401
        finally:
            await fleet.close()
        # Another station, never upgraded, still connects at the CSMS's profile 0.
        async with connect(f"{engine.csms.url}/OTHER", subprotocols=[protocol]):
            pass


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_profile_2_to_3_needs_a_signed_certificate_and_then_refuses_basic_auth_alone(
    tmp_path: Path, protocol: str
) -> None:
    async with secured(tmp_path, protocol, profile=2) as run:
        engine, sid = run.engine, run.station_id
        with pytest.raises(CommandUnavailable, match="no certificate from the station CA"):
            await upgrade_profile(engine.commands, sid)
        assert (await engine.commands.sign_certificate(sid).future).accepted
        await wait_for(lambda: engine.csms.certificates.signed_valid(sid), timeout=10)
        # It logs in again at once to present it; the upgrade goes on that connection.
        await wait_for(lambda: presents_signed(engine.csms, sid), timeout=15)
        link = engine.csms.link(sid)
        upgrade = await upgrade_profile(engine.commands, sid)
        assert (upgrade.before, upgrade.after, upgrade.password) == (2, 3, None)
        assert engine.csms.registry.get(sid).profile == 3  # type: ignore[union-attr]
        await wait_for(lambda: back(engine.csms, sid, link, run.station), 15)
        # Back at profile 3: it presented the certificate ocppdeck signed for it.
        known = {c.source: c.serial for c in engine.csms.certificates.of(sid)}
        assert known[PRESENTED] == known[SIGNED]
        # TLS and the right password, but no client certificate: profile 2, refused now.
        url = f"{engine.csms.url}/{sid}"
        headers = {"Authorization": basic_auth(sid, PASSWORD)}
        status = await refused_status(
            url, protocol, ssl=run.pki.client(), additional_headers=headers
        )
        assert status == 401
        with pytest.raises(CommandUnavailable, match="the highest"):
            await upgrade_profile(engine.commands, sid)


@pytest.mark.timeout(60)
async def test_profile_1_to_2_is_refused_on_a_plain_csms_and_nothing_changes(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path, security_profile=1, registration="closed") as engine:
        [spec] = fleet_specs(1, seed=22, protocols=["ocpp1.6"])
        engine.csms.registry.add(spec.station_id, PASSWORD)
        fleet = Fleet([spec], engine.csms.url, replace(QUIET, password=PASSWORD))
        await fleet.start()
        try:
            await wait_for(lambda: fleet.stations[0].booted, timeout=10)
            with pytest.raises(CommandUnavailable, match="profile 2 is TLS"):
                await upgrade_profile(engine.commands, spec.station_id)
            assert engine.csms.registry.get(spec.station_id).profile == 0  # type: ignore[union-attr]
            assert out_calls(engine, spec.station_id, "Reset") == []
        finally:
            await fleet.close()


@pytest.mark.timeout(90)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_a_plain_station_climbs_every_profile_through_the_tls_port_beside_the_plain_one(
    tmp_path: Path, protocol: str
) -> None:
    pki = make_pki(tmp_path / "pki")
    cert, key = ca_files(pki)
    async with own_engine(
        tmp_path / "data",
        tls_cert=pki.cert,
        tls_key=pki.key,
        tls_port=0,
        station_ca_cert=cert,
        station_ca_key=key,
    ) as engine:  # profile 0 on the plain port, TLS beside it
        csms = engine.csms
        tls_url = csms.tls_url
        assert tls_url is not None and tls_url.startswith("wss://") and tls_url != csms.url
        assert engine.describe() == f"{csms.url}/<station id> · TLS {tls_url}"
        [spec] = fleet_specs(1, seed=23, protocols=[protocol])
        sid = spec.station_id
        fleet = Fleet([spec], csms.url, replace(QUIET, tls=pki.client()))
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: station.booted, timeout=10)
            link = csms.link(sid)
            first = await upgrade_profile(engine.commands, sid)
            assert (first.before, first.after) == (0, 1) and first.password is not None
            await wait_for(lambda: back(csms, sid, link, station), 15)
            assert not csms.secure(sid)  # profile 1 stays on the plain port
            link = csms.link(sid)
            second = await upgrade_profile(engine.commands, sid)
            assert (second.before, second.after, second.password) == (1, 2, None)
            # It was told the TLS URL, reset, and came back over TLS with its password.
            await wait_for(lambda: back(csms, sid, link, station) and csms.secure(sid), 15)
            assert station.url == tls_url and station.security.profile == 2
            assert csms.registry.get(sid).profile == 2  # type: ignore[union-attr]
            # Its password on the plain port is refused now: profile 2 is TLS.
            headers = {"Authorization": basic_auth(sid, first.password)}
            plain = f"{csms.url}/{sid}"
            assert await refused_status(plain, protocol, additional_headers=headers) == 401
            # On up to 3, on the TLS port: a certificate ocppdeck signed, then the upgrade.
            assert (await engine.commands.sign_certificate(sid).future).accepted
            await wait_for(lambda: csms.certificates.signed_valid(sid), timeout=10)
            await wait_for(lambda: presents_signed(csms, sid), timeout=15)
            link = csms.link(sid)
            third = await upgrade_profile(engine.commands, sid)
            assert (third.before, third.after) == (2, 3)
            await wait_for(lambda: back(csms, sid, link, station) and csms.secure(sid), 15)
            known = {c.source: c.serial for c in csms.certificates.of(sid)}
            assert known[PRESENTED] == known[SIGNED]
            # TLS and the password but no client certificate: refused at profile 3.
            status = await refused_status(
                f"{tls_url}/{sid}", protocol, ssl=pki.client(), additional_headers=headers
            )
            assert status == 401
        finally:
            await fleet.close()


class WithoutUrlKey(Station):
    """A 1.6 charge point whose firmware has no key for the CSMS URL (OCPP 1.6 defines
    none): it takes SecurityProfile, and nothing else."""

    def __init__(self, station_id: str, connection: Any) -> None:
        super().__init__(station_id, connection)
        self.changed: list[tuple[str, str]] = []

    @on("ChangeConfiguration")
    def on_change_configuration(self, key: str, value: str) -> call_result.ChangeConfiguration:
        self.changed.append((key, value))
        status = "Accepted" if key == "SecurityProfile" else "NotSupported"
        return call_result.ChangeConfiguration(status=status)


@pytest.mark.timeout(60)
async def test_a_16_station_without_a_url_key_stays_at_profile_1(tmp_path: Path) -> None:
    """The URL must change before the profile does: a station that does not take
    CentralSystemURI keeps its URL and its profile, and is not reset."""
    pki = make_pki(tmp_path / "pki")
    async with own_engine(
        tmp_path / "data",
        security_profile=1,
        registration="closed",
        tls_cert=pki.cert,
        tls_key=pki.key,
        tls_port=0,
    ) as engine:
        sid = "CP-NO-URL-KEY"
        engine.csms.registry.add(sid, PASSWORD)
        headers = {"Authorization": basic_auth(sid, PASSWORD)}
        url = f"{engine.csms.url}/{sid}"
        async with connect(url, subprotocols=["ocpp1.6"], additional_headers=headers) as ws:
            cp = WithoutUrlKey(sid, ws)
            task = asyncio.create_task(cp.start())
            try:
                await boot(cp)
                with pytest.raises(CommandUnavailable, match="refused ChangeConfiguration"):
                    await upgrade_profile(engine.commands, sid)
                assert cp.changed == [("CentralSystemURI", engine.csms.tls_url)]
                assert engine.csms.registry.get(sid).profile == 0  # type: ignore[union-attr]
                assert out_calls(engine, sid, "Reset") == []
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)


class RefusesReset(Station):
    """A 1.6 charge point that takes every configuration change but refuses to reset."""

    @on("ChangeConfiguration")
    def on_change_configuration(self, key: str, value: str) -> call_result.ChangeConfiguration:
        return call_result.ChangeConfiguration(status="Accepted")

    @on("Reset")
    def on_reset(self, type: str) -> call_result.Reset:
        return call_result.Reset(status="Rejected")


@pytest.mark.timeout(60)
async def test_a_station_that_refuses_the_reset_is_told_apart_from_one_that_came_back(
    tmp_path: Path,
) -> None:
    """The upgrade ends when the station is back at its new profile; one that refuses the
    reset is said to connect at it from its next reconnect (the registry holds it there)."""
    async with own_engine(tmp_path) as engine:
        sid = "CP-NO-RESET"
        async with station(engine, sid, RefusesReset) as cp:
            await boot(cp)
            with pytest.raises(CommandUnavailable, match="took profile 1 but refused the reset"):
                await upgrade_profile(engine.commands, sid)
        assert engine.csms.registry.get(sid).profile == 1  # type: ignore[union-attr]
