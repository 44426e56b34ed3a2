"""Plug & Charge on the CSMS: Authorize with contract certificate hash data, GetCertificateStatus
and GetCertificateChainStatus, checked by OCSP at a real loopback responder, over real
websockets with real `ocpp` 2.0.1 / 2.1 ChargePoints. Never a CallError."""

from __future__ import annotations

import base64
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from cryptography.x509 import ocsp
from ocpp import v21

from ocppdeck.core.engine import Engine
from ocppdeck.core.model.facts import AuthRejected
from ocppdeck.core.model.projection import Projection
from ocppdeck.core.sim.contract_certificate import library_call
from tests.helpers.contract_pki import EMAID, ContractPki, ocsp_responder, rogue_signer
from tests.helpers.engine import frames_of, own_engine
from tests.helpers.station2x import VERSIONS, station

LOOPBACK = "127.0.0.1"


@asynccontextmanager
async def checking(
    tmp_path: Path, pki: ContractPki, protocol: str, lib: ModuleType, hosts: Any = (LOOPBACK,)
) -> AsyncIterator[tuple[Engine, Any]]:
    """A CSMS that trusts the test contract CA and may ask `hosts`, and a station of
    `protocol` connected to it."""
    settings = {"contract_ca_cert": pki.root_file, "ocsp_responder_hosts": hosts}
    async with own_engine(tmp_path, **settings) as engine, station(engine, protocol, lib) as cp:
        yield engine, cp


def _hash_data(contract: Any) -> list[dict[str, Any]]:
    """The contract's hash data as the library takes it (snake_case keys)."""
    return [
        {
            "hash_algorithm": h["hashAlgorithm"],
            "issuer_name_hash": h["issuerNameHash"],
            "issuer_key_hash": h["issuerKeyHash"],
            "serial_number": h["serialNumber"],
            "responder_url": h["responderURL"],
        }
        for h in contract.hash_data
    ]


async def _authorize(cp: Any, lib: ModuleType, contract: Any) -> Any:
    return await cp.call(
        library_call(
            lib.call.Authorize,
            id_token={"id_token": EMAID, "type": "eMAID"},
            iso15118_certificate_hash_data=_hash_data(contract),
        ),
        suppress=False,  # a CallError raises: the test fails
    )


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind((LOOPBACK, 0))
        return s.getsockname()[1]


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_a_good_contract_is_accepted_and_its_status_cached(
    tmp_path: Path, protocol: str, lib: ModuleType
) -> None:
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        _, contract = pki.contract(responder.url)
        async with checking(tmp_path, pki, protocol, lib) as (_engine, cp):
            first = await _authorize(cp, lib, contract)
            again = await _authorize(cp, lib, contract)
    assert first.certificate_status == "Accepted"
    assert first.id_token_info["status"] == "Accepted"
    assert again.certificate_status == "Accepted"
    assert responder.requests == 1  # the second answer came from the cache (nextUpdate ahead)


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_a_revoked_contract_is_refused(
    tmp_path: Path, protocol: str, lib: ModuleType
) -> None:
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        leaf, contract = pki.contract(responder.url)
        responder.revoked.add(leaf.cert.serial_number)
        async with checking(tmp_path, pki, protocol, lib) as (engine, cp):
            answer = await _authorize(cp, lib, contract)
    assert answer.certificate_status == "CertificateRevoked"
    assert answer.id_token_info["status"] == "Invalid"
    # The refusal the console, replay marks and reports show says why.
    projection = Projection()
    facts = [fact for frame in frames_of(engine, "PNC-1") for fact in projection.apply(frame)]
    [refused] = [fact for fact in facts if isinstance(fact, AuthRejected)]
    assert (refused.id_tag, refused.status) == (EMAID, "Invalid (CertificateRevoked)")


@pytest.mark.timeout(30)
async def test_a_contract_the_responder_does_not_know_is_a_chain_error(tmp_path: Path) -> None:
    protocol, lib = VERSIONS[0]
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        leaf, contract = pki.contract(responder.url)
        responder.unknown.add(leaf.cert.serial_number)
        async with checking(tmp_path, pki, protocol, lib) as (_engine, cp):
            answer = await _authorize(cp, lib, contract)
    assert answer.certificate_status == "CertChainError"
    assert answer.id_token_info["status"] == "Invalid"


@pytest.mark.timeout(30)
async def test_a_responder_the_contract_ca_delegated_is_believed(tmp_path: Path) -> None:
    protocol, lib = VERSIONS[0]
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        responder.signer = pki.delegate()
        _, contract = pki.contract(responder.url)
        async with checking(tmp_path, pki, protocol, lib) as (_engine, cp):
            answer = await _authorize(cp, lib, contract)
    assert answer.certificate_status == "Accepted"


@pytest.mark.timeout(40)
@pytest.mark.parametrize(
    "failure",
    ["down", "rogue signer", "forged signature", "garbage", "host not allowed", "redirect"],
)
async def test_no_believed_status_is_no_certificate_available(tmp_path: Path, failure: str) -> None:
    protocol, lib = VERSIONS[0]
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        url = responder.url
        hosts: tuple[str, ...] = (LOOPBACK,)
        if failure == "down":
            url = f"http://{LOOPBACK}:{_closed_port()}/"
        elif failure == "rogue signer":  # a CA the contract CA knows nothing of
            responder.signer = rogue_signer()
        elif failure == "forged signature":  # claims to be the root
            responder.forged = True
        elif failure == "garbage":
            responder.garbage = True
        elif failure == "redirect":  # to itself: followed, it would answer
            responder.redirect = f"{url}?followed"
        else:
            hosts = ("ocsp.example.com",)
        _, contract = pki.contract(url)
        async with checking(tmp_path, pki, protocol, lib, hosts) as (_engine, cp):
            answer = await _authorize(cp, lib, contract)
            status = await cp.call(
                lib.call.GetCertificateStatus(ocsp_request_data=_hash_data(contract)[0]),
                suppress=False,
            )
    assert answer.certificate_status == "NoCertificateAvailable"
    assert answer.id_token_info["status"] == "Invalid"
    assert status.status == "Failed"
    assert status.ocsp_result is None
    if failure in ("host not allowed", "redirect"):
        assert responder.requests == 0  # never asked / the redirect was not followed


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_nothing_configured_answers_the_refusals(
    tmp_path: Path, protocol: str, lib: ModuleType
) -> None:
    pki = ContractPki(tmp_path)
    _, contract = pki.contract(f"http://{LOOPBACK}:9/")
    async with own_engine(tmp_path) as engine, station(engine, protocol, lib) as cp:
        answer = await _authorize(cp, lib, contract)
        status = await cp.call(
            lib.call.GetCertificateStatus(ocsp_request_data=_hash_data(contract)[0]),
            suppress=False,
        )
        ev = await cp.call(
            library_call(
                lib.call.Get15118EVCertificate,
                iso15118_schema_version="urn:iso:15118:2:2013:MsgDef",
                action="Install",
                exi_request=base64.b64encode(b"exi").decode(),
            ),
            suppress=False,
        )
    assert answer.certificate_status == "NoCertificateAvailable"
    assert answer.id_token_info["status"] == "Invalid"
    assert (status.status, status.status_info["reason_code"]) == ("Failed", "NoCA")
    assert (ev.status, ev.status_info["reason_code"]) == ("Failed", "NoCA")


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_get_certificate_status_passes_the_signed_answer_on(
    tmp_path: Path, protocol: str, lib: ModuleType
) -> None:
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        leaf, contract = pki.contract(responder.url)
        responder.revoked.add(leaf.cert.serial_number)
        async with checking(tmp_path, pki, protocol, lib) as (_engine, cp):
            answer = await cp.call(
                lib.call.GetCertificateStatus(ocsp_request_data=_hash_data(contract)[0]),
                suppress=False,
            )
    assert answer.status == "Accepted"  # the status was had: it says revoked
    told = ocsp.load_der_ocsp_response(base64.b64decode(answer.ocsp_result))
    assert told.serial_number == leaf.cert.serial_number
    assert told.certificate_status is ocsp.OCSPCertStatus.REVOKED


@pytest.mark.timeout(30)
async def test_chain_status_tells_each_certificate_on_2_1(tmp_path: Path) -> None:
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        _, contract = pki.contract(responder.url)
        bad, revoked_contract = pki.contract(responder.url)
        responder.revoked.add(bad.cert.serial_number)

        def request(c: Any) -> dict[str, Any]:
            hashed = {k: v for k, v in _hash_data(c)[0].items() if k != "responder_url"}
            return {"certificate_hash_data": hashed, "source": "OCSP", "urls": [responder.url]}

        crl = {**request(contract), "source": "CRL"}
        settings = {"contract_ca_cert": pki.root_file, "ocsp_responder_hosts": (LOOPBACK,)}
        async with (
            own_engine(tmp_path, **settings) as engine,
            station(engine, "ocpp2.1", v21) as cp,
        ):
            answer = await cp.call(
                v21.call.GetCertificateChainStatus(
                    certificate_status_requests=[
                        request(contract),
                        request(revoked_contract),
                        crl,
                    ]
                ),
                suppress=False,
            )
    assert [s["status"] for s in answer.certificate_status] == ["Good", "Revoked", "Failed"]


@pytest.mark.timeout(30)
async def test_central_validation_refuses_an_expired_chain(tmp_path: Path) -> None:
    protocol, lib = VERSIONS[0]
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        _, fresh = pki.contract(responder.url)
        _, stale = pki.contract(responder.url, expired=True)
        async with checking(tmp_path, pki, protocol, lib) as (_engine, cp):
            answers = [
                await cp.call(
                    lib.call.Authorize(
                        id_token={"id_token": EMAID, "type": "eMAID"}, certificate=c.chain_pem
                    ),
                    suppress=False,
                )
                for c in (fresh, stale)
            ]
    assert [a.certificate_status for a in answers] == ["Accepted", "CertificateExpired"]
    assert answers[1].id_token_info["status"] == "Expired"


@pytest.mark.timeout(30)
async def test_an_unvalidated_stations_junk_is_refused_not_a_call_error(tmp_path: Path) -> None:
    protocol, lib = VERSIONS[0]
    pki = ContractPki(tmp_path)
    settings = {
        "contract_ca_cert": pki.root_file,
        "ocsp_responder_hosts": (LOOPBACK,),
        "unvalidated_stations": ("PNC-1",),  # its payloads reach the handlers unchecked
    }
    async with own_engine(tmp_path, **settings) as engine, station(engine, protocol, lib) as cp:
        answer = await cp.call(
            lib.call.Authorize(
                id_token={"id_token": EMAID, "type": "eMAID"},
                iso15118_certificate_hash_data=["junk"],  # type: ignore[list-item]
                certificate=12,  # type: ignore[arg-type]
            ),
            suppress=False,
            skip_schema_validation=True,
        )
        status = await cp.call(
            lib.call.GetCertificateStatus(ocsp_request_data="junk"),  # type: ignore[arg-type]
            suppress=False,
            skip_schema_validation=True,
        )
    assert answer.certificate_status == "NoCertificateAvailable"
    assert status.status == "Failed"
