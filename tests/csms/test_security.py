"""Security profiles 1-3, the registry and registration modes, over real (TLS) websockets on
127.0.0.1, with certificates made in the test."""

from __future__ import annotations

import asyncio
import base64
import ssl
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from ocpp.v16 import ChargePoint, call
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import InvalidHandshake, InvalidStatus

from ocppdeck.core.config import SettingsError, load_settings
from ocppdeck.core.csms import admission
from ocppdeck.core.csms.passwords import Verifier
from ocppdeck.core.csms.registry import Standing
from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.station import basic_auth
from ocppdeck.core.wire.frame import Kind
from tests.helpers.certs import Pki, make_pki
from tests.helpers.engine import frames_of, own_engine, wait_for

PASSWORD = "correct-horse-battery-staple"


async def refused(url: str, **kwargs: Any) -> int:
    """The HTTP status a handshake was refused with."""
    kwargs.setdefault("subprotocols", ["ocpp1.6"])
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, **kwargs):
            pass
    status: int = caught.value.response.status_code
    return status


async def heartbeat(ws: ClientConnection) -> Any:
    """Send a Heartbeat as raw OCPP-J and wait for its answer."""
    await ws.send('[2,"h1","Heartbeat",{}]')
    return await asyncio.wait_for(ws.recv(), 5)


def auth(user: str, password: str) -> dict[str, str]:
    return {"Authorization": basic_auth(user, password)}


# --- profile 1: HTTP Basic on ws:// -------------------------------------------------------
@pytest.mark.timeout(30)
async def test_profile_1_takes_the_right_password_and_refuses_the_rest(tmp_path: Path) -> None:
    async with own_engine(tmp_path, security_profile=1, registration="closed") as engine:
        engine.csms.registry.add("CP1", PASSWORD)
        url = f"{engine.csms.url}/CP1"
        async with connect(url, subprotocols=["ocpp1.6"], additional_headers=auth("CP1", PASSWORD)):
            await wait_for(lambda: engine.csms.connected() == ["CP1"])
        assert await refused(url, additional_headers=auth("CP1", "wrong-password-123")) == 401
        assert await refused(url) == 401  # no Authorization header
        bad_header = {"Authorization": "Basic !!!not-base64"}
        assert await refused(url, additional_headers=bad_header) == 401
        no_colon = {"Authorization": "Basic " + base64.b64encode(b"CP1").decode()}
        assert await refused(url, additional_headers=no_colon) == 401
        assert await refused(url, additional_headers=auth("CP2", PASSWORD)) == 401  # not its id
        assert (
            await refused(f"{engine.csms.url}/CP9", additional_headers=auth("CP9", PASSWORD)) == 404
        )
        # Refusals are counted by reason, and make no station in the state.
        url = f"http://127.0.0.1:{engine.csms.port}/metrics"
        text = (await asyncio.to_thread(lambda: urllib.request.urlopen(url).read())).decode()
        assert 'ocppdeck_connections_refused_total{reason="password"} 1.0' in text
        assert 'ocppdeck_connections_refused_total{reason="missing"} 1.0' in text
        assert 'ocppdeck_connections_refused_total{reason="malformed"} 2.0' in text
        assert 'ocppdeck_connections_refused_total{reason="unknown"} 1.0' in text
        assert "CP9" not in engine.state.stations


@pytest.mark.timeout(30)
async def test_a_401_asks_for_basic_auth_and_a_bad_identity_is_400(tmp_path: Path) -> None:
    async with own_engine(tmp_path, security_profile=1) as engine:
        with pytest.raises(InvalidStatus) as caught:
            await connect(f"{engine.csms.url}/CP1", subprotocols=["ocpp1.6"])
        response = caught.value.response
        assert response.status_code == 401
        assert response.headers["WWW-Authenticate"].startswith("Basic realm=")
        assert await refused(f"{engine.csms.url}/a%20b") == 400
        assert await refused(f"{engine.csms.url}/{'x' * 49}") == 400
        assert await refused(f"{engine.csms.url}/%5B%2F%5D") == 400  # "[/]"
        assert await refused(f"{engine.csms.url}/a/b/c") == 404
        # Percent-decoded before the check: "CP%2B1" is the station "CP+1".
        engine.csms.registry.add("CP+1", PASSWORD)
        async with connect(
            f"{engine.csms.url}/CP%2B1",
            subprotocols=["ocpp1.6"],
            additional_headers=auth("CP+1", PASSWORD),
        ):
            await wait_for(lambda: engine.csms.connected() == ["CP+1"])
        assert list(engine.state.stations) == ["CP+1"]


@pytest.mark.timeout(30)
async def test_a_refusal_is_logged_and_recorded_once_a_minute_per_station(tmp_path: Path) -> None:
    async with own_engine(tmp_path, security_profile=1) as engine:
        url = f"{engine.csms.url}/CP1"
        for _ in range(5):
            assert await refused(url) == 401
        assert [f.kind for f in frames_of(engine, "CP1")] == [Kind.REFUSED]
        for n in range(30):  # one address trying many ids is noted 20 times a minute at most
            assert await refused(f"{engine.csms.url}/X{n}") == 401
        noted = [
            f for p in engine.frames.positions() if (f := engine.frames.get(p)).kind is Kind.REFUSED
        ]
        assert len(noted) == 20


# --- profile 2: TLS + Basic ------------------------------------------------------------------
@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    return make_pki(tmp_path / "pki")


@pytest.mark.timeout(30)
async def test_profile_2_is_tls_and_basic_auth(tmp_path: Path, pki: Pki) -> None:
    async with own_engine(
        tmp_path / "data", security_profile=2, tls_cert=pki.cert, tls_key=pki.key
    ) as engine:
        engine.csms.registry.add("CP1", PASSWORD)
        assert engine.csms.url.startswith("wss://")
        url = f"{engine.csms.url}/CP1"
        async with connect(
            url,
            subprotocols=["ocpp1.6"],
            additional_headers=auth("CP1", PASSWORD),
            ssl=pki.client(),
        ) as ws:
            assert (await heartbeat(ws)).startswith('[3,"h1"')
        assert (
            await refused(url, ssl=pki.client(), additional_headers=auth("CP1", "nope" * 5)) == 401
        )
        # A plain ws:// client never gets to speak HTTP to a TLS port.
        plain = url.replace("wss://", "ws://")
        with pytest.raises(Exception):  # noqa: B017 - the handshake fails in transport, not HTTP
            await asyncio.wait_for(
                connect(plain, subprotocols=["ocpp1.6"], additional_headers=auth("CP1", PASSWORD)),
                5,
            )
        assert engine.csms.connected() == []


@pytest.mark.timeout(30)
@pytest.mark.filterwarnings("ignore:ssl.TLSVersion:DeprecationWarning")
async def test_profile_2_refuses_tls_older_than_1_2(tmp_path: Path, pki: Pki) -> None:
    async with own_engine(
        tmp_path / "data", security_profile=2, tls_cert=pki.cert, tls_key=pki.key
    ) as engine:
        old = pki.client()
        old.minimum_version = ssl.TLSVersion.TLSv1
        old.maximum_version = ssl.TLSVersion.TLSv1_1
        with pytest.raises((ssl.SSLError, OSError)):
            await connect(f"{engine.csms.url}/CP1", subprotocols=["ocpp1.6"], ssl=old)


# --- profile 3: client certificates -----------------------------------------------------
@pytest.mark.timeout(30)
async def test_profile_3_wants_a_client_certificate_named_as_the_station(
    tmp_path: Path, pki: Pki
) -> None:
    async with own_engine(
        tmp_path / "data",
        security_profile=3,
        tls_cert=pki.cert,
        tls_key=pki.key,
        tls_client_ca=pki.ca_file,
    ) as engine:
        url = f"{engine.csms.url}/CP1"
        async with connect(url, subprotocols=["ocpp1.6"], ssl=pki.client("CP1")) as ws:
            assert (await heartbeat(ws)).startswith('[3,"h1"')
        assert await refused(url, ssl=pki.client("CP2")) == 401  # someone else's certificate
        for context in (pki.client(), pki.client("CP1", expired=True)):  # none, or expired
            # TLS 1.3 reports a refused client certificate once the handshake "succeeded".
            with pytest.raises((ssl.SSLError, OSError, InvalidHandshake)):
                async with connect(url, subprotocols=["ocpp1.6"], ssl=context) as ws:
                    await heartbeat(ws)
        # Basic auth is optional, and checked when given.
        engine.csms.registry.add("CP1", PASSWORD)
        with_password = auth("CP1", "wrong-password-123")
        assert await refused(url, ssl=pki.client("CP1"), additional_headers=with_password) == 401


# --- registration ---------------------------------------------------------------------------
class Station(ChargePoint):
    """A plain 1.6 station that answers nothing the CSMS asks."""


async def boot_status(engine: Engine, station_id: str, **connect_args: Any) -> str:
    async with connect(
        f"{engine.csms.url}/{station_id}", subprotocols=["ocpp1.6"], **connect_args
    ) as ws:
        cp = Station(station_id, ws)
        task = asyncio.create_task(cp.start())
        try:
            answer = await cp.call(
                call.BootNotification(charge_point_vendor="V", charge_point_model="M")
            )
            return str(answer.status)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)


@pytest.mark.timeout(30)
async def test_pending_registration_holds_a_new_station_until_accepted(tmp_path: Path) -> None:
    async with own_engine(tmp_path, security_profile=1, registration="pending") as engine:
        headers = auth("NEW-1", PASSWORD)
        assert await boot_status(engine, "NEW-1", additional_headers=headers) == "Pending"
        entry = engine.csms.registry.get("NEW-1")
        assert entry is not None and entry.standing is Standing.PENDING
        # Its first password is now its own: another one is refused.
        other = auth("NEW-1", "someone-else-entirely")
        assert await refused(f"{engine.csms.url}/NEW-1", additional_headers=other) == 401
        engine.csms.registry.accept("NEW-1")
        assert await boot_status(engine, "NEW-1", additional_headers=headers) == "Accepted"
        engine.csms.registry.reject("NEW-1")
        assert await refused(f"{engine.csms.url}/NEW-1", additional_headers=headers) == 403


@pytest.mark.timeout(30)
async def test_open_lets_anyone_in_and_closed_refuses_the_unknown(tmp_path: Path) -> None:
    async with own_engine(tmp_path / "open") as engine:
        assert await boot_status(engine, "ANYONE") == "Accepted"
    async with own_engine(tmp_path / "closed", registration="closed") as engine:
        assert await refused(f"{engine.csms.url}/ANYONE") == 404
        engine.csms.registry.add("KNOWN")
        assert await boot_status(engine, "KNOWN") == "Accepted"


# --- settings -----------------------------------------------------------------------------
def test_profile_0_off_loopback_needs_insecure_and_tls_needs_its_files(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="--insecure"):
        load_settings({"host": "0.0.0.0"}, env={})
    assert load_settings({"host": "0.0.0.0", "insecure": True}, env={}).insecure
    assert load_settings({"host": "0.0.0.0", "security_profile": 1}, env={}).security_profile == 1
    with pytest.raises(SettingsError, match="--tls-cert"):
        load_settings({"security_profile": 2}, env={})
    with pytest.raises(SettingsError, match="--tls-client-ca"):
        cert = tmp_path / "c.pem"
        cert.write_text("x")
        load_settings({"security_profile": 3, "tls_cert": cert, "tls_key": cert}, env={})
    with pytest.raises(SettingsError, match="registration"):
        load_settings({"registration": "sometimes"}, env={})
    env = {"OCPPDECK_SECURITY_PROFILE": "1", "OCPPDECK_REGISTRATION": "closed"}
    settings = load_settings(env=env)
    assert (settings.security_profile, settings.registration) == (1, "closed")


def test_a_tls_port_goes_beside_a_plain_port_with_the_tls_files(tmp_path: Path) -> None:
    cert = tmp_path / "c.pem"
    cert.write_text("x")
    files = {"tls_cert": cert, "tls_key": cert}
    assert load_settings({"tls_port": 9443, **files}, env={}).tls_port == 9443
    with pytest.raises(SettingsError, match="needs --tls-cert and --tls-key"):
        load_settings({"tls_port": 9443}, env={})
    with pytest.raises(SettingsError, match="TLS already"):
        load_settings({"tls_port": 9443, "security_profile": 2, **files}, env={})
    with pytest.raises(SettingsError, match="is the CSMS port already"):
        load_settings({"tls_port": 9000, "port": 9000, **files}, env={})
    with pytest.raises(SettingsError, match="not a TCP port"):
        load_settings({"tls_port": 70000, **files}, env={})


# --- storms and floods ----------------------------------------------------------------------
@pytest.mark.timeout(30)
async def test_a_full_password_queue_says_retry_later_but_lets_a_known_password_in(
    tmp_path: Path,
) -> None:
    async with own_engine(tmp_path, security_profile=1, registration="closed") as engine:
        engine.csms.registry.add("CP1", PASSWORD)
        entry = engine.csms.registry.get("CP1")
        assert entry is not None and entry.password_hash is not None
        full = Verifier(queue_per_thread=0)  # every slow check would wait too long
        engine.csms.gate.verifier = full
        url = f"{engine.csms.url}/CP1"
        with pytest.raises(InvalidStatus) as caught:
            async with connect(
                url, subprotocols=["ocpp1.6"], additional_headers=auth("CP1", PASSWORD)
            ):
                pass
        response = caught.value.response
        assert response.status_code == 503
        assert 10 <= int(response.headers["Retry-After"]) <= 60
        # A password the CSMS has checked before (a station back after a network blip)
        # needs no slow check: it is let in even now.
        assert await full.verify(PASSWORD, entry.password_hash)
        async with connect(url, subprotocols=["ocpp1.6"], additional_headers=auth("CP1", PASSWORD)):
            await wait_for(lambda: engine.csms.connected() == ["CP1"])
        assert not full.known("another-password-entirely", entry.password_hash)
        full.close()


@pytest.mark.timeout(30)
async def test_made_up_ids_cannot_fill_the_registry_under_pending(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(admission, "MAX_PENDING", 2)
    async with own_engine(tmp_path, security_profile=1, registration="pending") as engine:
        for n in (1, 2):
            status = await boot_status(
                engine, f"NEW-{n}", additional_headers=auth(f"NEW-{n}", PASSWORD)
            )
            assert status == "Pending"
        url = f"{engine.csms.url}/NEW-3"
        assert await refused(url, additional_headers=auth("NEW-3", PASSWORD)) == 503
        assert engine.csms.registry.get("NEW-3") is None
        assert engine.csms.registry.pending_count() == 2
