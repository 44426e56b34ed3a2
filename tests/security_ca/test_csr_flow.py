"""ocppdeck as the station CA, end to end on 127.0.0.1 over TLS, in every version: a
simulated station asked for a CSR gets its certificate and reconnects with it; a CSR that
names another station, or a CSMS without a CA, is answered Rejected with the reason logged;
an expired certificate is refused at the TLS handshake."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidHandshake

from ocppdeck.core.clock import ManualClock
from ocppdeck.core.csms.builders.contract import CommandUnavailable
from ocppdeck.core.csms.certificates import PRESENTED, SIGNED
from ocppdeck.core.csms.station_ca import StationCa
from ocppdeck.core.csms.tls import client_context
from ocppdeck.core.dialects import DIALECTS, dialect
from ocppdeck.core.wire.frame import Kind
from tests.helpers.engine import out_calls, partner_of, wait_for
from tests.helpers.station_ca import Secured, ca_files, secured

VERSIONS = list(DIALECTS)


def csr_for(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, str]:
    """A key and a CSR (PEM) naming `common_name`."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    request = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    return key, request.public_bytes(serialization.Encoding.PEM).decode()


async def send_csr(run: Secured, csr: str) -> object:
    """The station sends SignCertificate with `csr`; the CSMS's answer."""
    calls = dialect(run.station.spec.protocol).calls
    fields = {"csr": csr}
    if run.station.spec.protocol != "ocpp1.6":
        fields["certificate_type"] = "ChargingStationCertificate"
    return await run.station.send(calls.SignCertificate(**fields))


def leaf(chain: str) -> x509.Certificate:
    return x509.load_pem_x509_certificates(chain.encode())[0]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_a_triggered_csr_is_signed_and_the_station_reconnects_with_it_at_profile_3(
    tmp_path: Path, protocol: str
) -> None:
    async with secured(tmp_path, protocol, profile=3) as run:
        engine, sid = run.engine, run.station_id
        first = engine.csms.certificates.of(sid)
        assert [c.source for c in first] == [PRESENTED]  # the factory certificate
        queued = engine.commands.sign_certificate(sid)
        assert (await queued.future).accepted
        [signed_call] = await _eventually(lambda: out_calls(engine, sid, "CertificateSigned"))
        cert = leaf(signed_call.payload["certificateChain"])
        assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == sid
        assert cert.issuer == run.pki.ca._certificate.subject  # signed by the station CA
        # The station kept it, dropped its link and came back presenting it (profile 3).
        await wait_for(
            lambda: any(
                c.source == PRESENTED and c.serial == f"{cert.serial_number:x}"
                for c in engine.csms.certificates.of(sid)
            ),
            timeout=15,
        )
        await wait_for(lambda: run.station.booted and engine.csms.connected() == [sid])
        known = {c.source: c for c in engine.csms.certificates.of(sid)}
        assert known[SIGNED].serial == known[PRESENTED].serial
        assert engine.csms.certificates.expiring(sid) is None  # a year to go
        answer = partner_of(engine, signed_call)
        assert answer is not None and answer.kind is Kind.RESULT
        assert answer.payload == {"status": "Accepted"}
        # Another CSR at once signs nothing: one certificate a minute at most (the one
        # signed may be sent again, should its answer have been lost with the link).
        again = await send_csr(run, csr_for(sid)[1])
        assert again is not None and again.status == "Rejected"
        sent = out_calls(engine, sid, "CertificateSigned")
        chains = {f.payload["certificateChain"] for f in sent}
        assert chains == {signed_call.payload["certificateChain"]}


async def _eventually(found: object, timeout: float = 10.0) -> list:
    await wait_for(found, timeout)  # type: ignore[arg-type]
    return found()  # type: ignore[operator,no-any-return]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_a_csr_naming_another_station_is_rejected_and_the_reason_logged(
    tmp_path: Path, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with secured(tmp_path, protocol) as run:
        _, csr = csr_for("SOMEONE-ELSE")
        with caplog.at_level(logging.WARNING, "ocppdeck.csms.certificates"):
            answer = await send_csr(run, csr)
        assert answer is not None and answer.status == "Rejected"
        if protocol != "ocpp1.6":  # 2.x says why in the answer too
            assert answer.status_info["reason_code"] == "InvalidCSR"
            assert "SOMEONE-ELSE" in answer.status_info["additional_info"]
        [record] = [r for r in caplog.records if "certificate signing request" in r.message]
        assert run.station_id in record.message and "not the station id" in record.message
        # Nothing was signed or sent.
        assert run.engine.csms.certificates.of(run.station_id) == []
        assert out_calls(run.engine, run.station_id, "CertificateSigned") == []
        # A CSR that is no CSR at all is refused the same way.
        answer = await send_csr(run, "-----BEGIN CERTIFICATE REQUEST-----\nnope\n")
        assert answer is not None and answer.status == "Rejected"


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_without_a_station_ca_a_csr_is_rejected_and_the_trigger_refused(
    tmp_path: Path, protocol: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with secured(tmp_path, protocol, with_ca=False) as run:
        with pytest.raises(CommandUnavailable, match="no station CA"):
            run.engine.commands.sign_certificate(run.station_id)
        _, csr = csr_for(run.station_id)
        with caplog.at_level(logging.WARNING, "ocppdeck.csms.certificates"):
            answer = await send_csr(run, csr)
        assert answer is not None and answer.status == "Rejected"
        if protocol != "ocpp1.6":
            assert answer.status_info["reason_code"] == "NoCA"
        assert any("no station CA" in r.message for r in caplog.records)
        assert out_calls(run.engine, run.station_id, "CertificateSigned") == []


@pytest.mark.timeout(60)
async def test_an_expired_certificate_of_the_station_ca_is_refused_at_the_tls_handshake(
    tmp_path: Path,
) -> None:
    async with secured(tmp_path, "ocpp1.6", profile=3) as run:
        cert_file, key_file = ca_files(run.pki)
        ca = StationCa.load(cert_file, key_file)
        url = f"{run.engine.csms.url}/{run.station_id}"

        def context_signed_at(when: float) -> ssl.SSLContext:
            key, csr = csr_for(run.station_id)
            signed = ca.sign(run.station_id, csr, ManualClock(when))
            chain, key_path = tmp_path / f"{when}.pem", tmp_path / f"{when}.key"
            chain.write_text(signed.chain)
            key_path.write_bytes(
                key.private_bytes(
                    serialization.Encoding.PEM,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            )
            return client_context(run.pki.ca_file, chain, key_path)

        now = run.engine.clock.now()
        # Signed today: let in. Signed two years ago, for one: refused at the handshake.
        async with connect(url, subprotocols=["ocpp1.6"], ssl=context_signed_at(now)) as ws:
            await ws.send('[2,"h1","Heartbeat",{}]')
            assert (await ws.recv()).startswith('[3,"h1"')
        with pytest.raises((ssl.SSLError, OSError, InvalidHandshake)):
            async with connect(
                url, subprotocols=["ocpp1.6"], ssl=context_signed_at(now - 2 * 365 * 86400)
            ) as ws:
                await ws.send('[2,"h2","Heartbeat",{}]')
                await ws.recv()
