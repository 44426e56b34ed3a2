"""The simulator's Plug & Charge against the CSMS and a loopback OCSP responder: a driver
whose tag is the EV's eMAID authorizes with the contract's hash data, and the station
charges only when the certificate is Accepted."""

from __future__ import annotations

import base64
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.contract_certificate import (
    ContractCertificate,
    certificate_status,
    ev_certificate,
)
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.wire.frame import Direction, Kind
from tests.helpers.contract_pki import (
    EMAID,
    EXI_RESPONSE,
    ContractPki,
    certificate_provider,
    ocsp_responder,
)
from tests.helpers.engine import frames_of, own_engine, wait_for
from tests.helpers.sim_csms import FAST, QUIET
from tests.helpers.simulated import calls_in

LOOPBACK = "127.0.0.1"


async def _fleet(
    engine: Engine, contract: ContractCertificate, protocol: str, drivers: bool
) -> Fleet:
    [spec] = fleet_specs(1, seed=3, protocols=[protocol])
    settings = replace(
        FAST if drivers else QUIET, id_tags=(EMAID,), contract_certificates=(contract,)
    )
    fleet = Fleet([replace(spec, connectors=1)], engine.csms.url, settings)
    await fleet.start()
    return fleet


def _certificate_answers(engine: Engine, station_id: str) -> list[str]:
    """The certificateStatus of each Authorize answer the CSMS sent the station."""
    return [
        str(f.payload["certificateStatus"])
        for f in frames_of(engine, station_id)
        if f.kind is Kind.RESULT
        and f.direction is Direction.OUT
        and "certificateStatus" in f.payload
    ]


def _started(engine: Engine, station_id: str) -> list[dict[str, Any]]:
    return [
        p["idToken"]
        for p in calls_in(engine, station_id, "TransactionEvent")
        if p["eventType"] == "Started"
    ]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", ["ocpp2.0.1", "ocpp2.1"])
async def test_a_good_contract_charges(tmp_path: Path, protocol: str) -> None:
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        _, contract = pki.contract(responder.url)
        settings = {"contract_ca_cert": pki.root_file, "ocsp_responder_hosts": (LOOPBACK,)}
        async with own_engine(tmp_path, **settings) as engine:
            fleet = await _fleet(engine, contract, protocol, drivers=True)
            try:
                station_id = fleet.stations[0].spec.station_id
                await wait_for(lambda: _started(engine, station_id), timeout=30)
                [authorize, *_] = calls_in(engine, station_id, "Authorize")
            finally:
                await fleet.close()
    assert authorize["idToken"] == {"idToken": EMAID, "type": "eMAID"}
    assert authorize["iso15118CertificateHashData"] == [dict(h) for h in contract.hash_data]
    assert _started(engine, station_id)[0] == {"idToken": EMAID, "type": "eMAID"}
    assert _certificate_answers(engine, station_id)[0] == "Accepted"


@pytest.mark.timeout(60)
async def test_a_revoked_contract_does_not_charge(tmp_path: Path) -> None:
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder:
        leaf, contract = pki.contract(responder.url)
        responder.revoked.add(leaf.cert.serial_number)
        settings = {"contract_ca_cert": pki.root_file, "ocsp_responder_hosts": (LOOPBACK,)}
        async with own_engine(tmp_path, **settings) as engine:
            fleet = await _fleet(engine, contract, "ocpp2.0.1", drivers=True)
            try:
                station_id = fleet.stations[0].spec.station_id
                # A second driver came: the first one's session is over, started or not.
                await wait_for(lambda: len(calls_in(engine, station_id, "Authorize")) >= 2, 30)
            finally:
                await fleet.close()
    assert _started(engine, station_id) == []
    assert _certificate_answers(engine, station_id)[:2] == ["CertificateRevoked"] * 2


@pytest.mark.timeout(60)
async def test_the_station_asks_for_a_status_and_an_ev_certificate(tmp_path: Path) -> None:
    pki = ContractPki(tmp_path)
    async with ocsp_responder(pki) as responder, certificate_provider() as provider:
        _, contract = pki.contract(responder.url)
        settings = {
            "contract_ca_cert": pki.root_file,
            "ocsp_responder_hosts": (LOOPBACK,),
            "contract_cert_provider": provider.url,
        }
        async with own_engine(tmp_path, **settings) as engine:
            fleet = await _fleet(engine, contract, "ocpp2.0.1", drivers=False)
            try:
                [station] = fleet.stations
                await wait_for(lambda: station.booted, timeout=10)
                calls = station.link.calls
                status = await certificate_status(station.send, calls, contract)
                exi = base64.b64encode(b"an EXI request").decode()
                installed = await ev_certificate(station.send, calls, exi)
            finally:
                await fleet.close()
    assert status is not None and status.status == "Accepted" and status.ocsp_result
    assert installed is not None and installed.exi_response == EXI_RESPONSE
