"""The demo shows Plug & Charge: it makes a contract CA from its seed and runs its own OCSP
responder on 127.0.0.1; now and then an EV with a contract arrives at a 2.x station and
authorizes with it. The good contract charges; the revoked one is refused, the console's
record of it saying why. Real engine, simulated stations, real websockets and HTTP on
127.0.0.1."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509 import ocsp

from ocppdeck.core.clock import ManualClock
from ocppdeck.core.demo import DemoRun
from ocppdeck.core.demo_contracts import GOOD_EMAID, REVOKED_EMAID, DemoContractPki
from ocppdeck.core.demo_ocsp_responder import DemoOcspResponder
from ocppdeck.core.dialects import V16, V21, V201
from ocppdeck.core.engine import Engine
from ocppdeck.core.model import facts as f
from ocppdeck.core.model.readers.v2 import answer_facts
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.spec import SimSettings
from ocppdeck.core.wire.frame import Direction, Frame, Kind
from tests.helpers.engine import frames_of, make_settings, partner_of, wait_for

LOOPBACK_URL = "http://127.0.0.1:"


def authorized(engine: Engine, emaid: str) -> list[tuple[Frame, Frame]]:
    """Each Authorize a station sent with the contract of `emaid`, and the CSMS's answer."""
    calls = [
        call
        for station_id in engine.state.stations
        for call in frames_of(engine, station_id)
        if call.kind is Kind.CALL
        and call.direction is Direction.IN
        and call.action == "Authorize"
        and call.payload.get("idToken") == {"idToken": emaid, "type": "eMAID"}
    ]
    return [(call, answer) for call in calls if (answer := partner_of(engine, call)) is not None]


def charged_by(engine: Engine, emaid: str) -> list[str]:
    """The stations where a transaction started with `emaid`."""
    return [tx.station for tx in engine.state.transactions.values() if tx.id_tag == emaid]


@pytest.mark.timeout(120)
async def test_the_demo_charges_a_good_contract_and_refuses_a_revoked_one(
    tmp_path: Path,
) -> None:
    settings = make_settings(
        tmp_path,
        stations=2,
        seed=7,
        speed=40.0,
        concurrent_tx=True,
        protocols=(V201.name, V21.name),
    )
    demo = DemoRun(settings)
    before = set(asyncio.all_tasks())
    await demo.start()
    try:
        assert demo.ocsp_responder is not None
        address = demo.ocsp_responder.address
        assert demo.settings.ocsp_responder_hosts == (address,)
        await wait_for(lambda: charged_by(demo, GOOD_EMAID), timeout=60)
        await wait_for(lambda: authorized(demo, REVOKED_EMAID), timeout=60)
        good = authorized(demo, GOOD_EMAID)
        revoked = authorized(demo, REVOKED_EMAID)
    finally:
        await demo.close()
    # The contract's chain (leaf, sub-CA) names the demo's responder on loopback.
    for call, _ in good + revoked:
        hash_data = call.payload["iso15118CertificateHashData"]
        assert len(hash_data) == 2
        assert all(h["responderURL"].startswith(LOOPBACK_URL) for h in hash_data)
    assert {
        (a.payload["idTokenInfo"]["status"], a.payload["certificateStatus"]) for _, a in good
    } == {("Accepted", "Accepted")}
    assert {
        (a.payload["idTokenInfo"]["status"], a.payload["certificateStatus"]) for _, a in revoked
    } == {("Invalid", "CertificateRevoked")}
    assert not charged_by(demo, REVOKED_EMAID)
    # The console's record of the refused tag says why.
    refused = [fact for c, a in revoked for fact in answer_facts(c, a)]
    assert refused and all(
        isinstance(r, f.AuthRejected)
        and (r.id_tag, r.status) == (REVOKED_EMAID, "Invalid (CertificateRevoked)")
        for r in refused
    )
    # The responder stopped with the demo; nothing of the demo is left running.
    assert demo.ocsp_responder is None
    async with aiohttp.ClientSession() as http:
        with pytest.raises(aiohttp.ClientConnectionError):
            await http.post(f"http://{address}/", data=b"")
    leftover = {t for t in asyncio.all_tasks() - before if not t.done()}
    assert leftover <= {asyncio.current_task()}


@pytest.mark.timeout(10)
def test_only_stations_of_a_version_with_plug_and_charge_get_evs_with_contracts(
    tmp_path: Path,
) -> None:
    contracts, _ = DemoContractPki(tmp_path, seed=7, now=1_700_000_000.0).contracts(
        f"{LOOPBACK_URL}1/"
    )
    drivers = ("TAG-0001", "TAG-0002")
    specs = fleet_specs(2, seed=7, protocols=[V16.name, V201.name])
    fleet = Fleet(
        specs, "ws://127.0.0.1:1", SimSettings(id_tags=drivers, contract_certificates=contracts)
    )
    station_16, station_2 = fleet.stations
    assert station_16.settings.id_tags == drivers
    assert station_2.settings.id_tags == (*drivers, GOOD_EMAID, REVOKED_EMAID)


@pytest.mark.timeout(10)
def test_the_demo_contract_ca_comes_from_the_seed(tmp_path: Path) -> None:
    def made(seed: int, folder: str) -> list[tuple[str, int, int]]:
        pki = DemoContractPki(tmp_path / folder, seed=seed, now=1_700_000_000.0)
        contracts, _ = pki.contracts(f"{LOOPBACK_URL}1/")
        return [(c.emaid, *(int(h["serialNumber"], 16) for h in c.hash_data)) for c in contracts]

    assert made(7, "a") == made(7, "b")
    assert made(7, "a") != made(8, "c")


@pytest.mark.timeout(10)
def test_the_demo_responder_refuses_what_is_not_a_request_for_its_ca(tmp_path: Path) -> None:
    pki = DemoContractPki(tmp_path, seed=7, now=1_700_000_000.0)
    responder = DemoOcspResponder([pki.root, pki.sub_ca], ManualClock())
    answer = ocsp.load_der_ocsp_response(responder.answer(b"not a request"))
    assert answer.response_status is ocsp.OCSPResponseStatus.MALFORMED_REQUEST
    stranger = DemoContractPki(tmp_path / "other", seed=8, now=1_700_000_000.0)
    request = (
        ocsp.OCSPRequestBuilder()
        .add_certificate(stranger.sub_ca.cert, stranger.root.cert, hashes.SHA256())
        .build()
        .public_bytes(serialization.Encoding.DER)
    )
    answer = ocsp.load_der_ocsp_response(responder.answer(request))
    assert answer.response_status is ocsp.OCSPResponseStatus.UNAUTHORIZED


@pytest.mark.timeout(30)
async def test_a_demo_given_contract_settings_uses_them_and_no_contracts_of_its_own(
    tmp_path: Path,
) -> None:
    mine = DemoContractPki(tmp_path / "mine", seed=1, now=1_700_000_000.0)
    settings = make_settings(tmp_path / "demo", stations=1, contract_ca_cert=mine.root_file)
    demo = DemoRun(settings)
    await demo.start()
    try:
        assert demo.ocsp_responder is None
        assert demo.fleet is not None and demo.fleet.settings.contract_certificates == ()
        assert demo.settings.ocsp_responder_hosts == ()
        assert demo.csms.contracts.ocsp is not None
        assert demo.csms.contracts.ocsp.roots == [mine.root.cert]
    finally:
        await demo.close()
