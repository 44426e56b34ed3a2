"""The station CA on its own: what it refuses to sign and why, what it makes, and the
settings that give it to the CSMS. Pure, no sockets."""

from __future__ import annotations

from pathlib import Path

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from ocppdeck.core.clock import ManualClock
from ocppdeck.core.config import SettingsError, load_settings
from ocppdeck.core.csms.station_ca import CaError, CsrRefused, StationCa


def csr(common_name: str, key: object | None = None) -> str:
    key = key or ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    built = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())  # type: ignore[arg-type]
    return built.public_bytes(serialization.Encoding.PEM).decode()


@pytest.fixture
def ca_files(tmp_path: Path) -> tuple[Path, Path]:
    ca = trustme.CA()
    cert, key = tmp_path / "ca.pem", tmp_path / "ca.key"
    ca.cert_pem.write_to_path(cert)
    ca.private_key_pem.write_to_path(key)
    return cert, key


def test_a_signed_certificate_names_the_station_only_and_is_for_clients(
    ca_files: tuple[Path, Path],
) -> None:
    ca = StationCa.load(*ca_files)
    clock = ManualClock(1_800_000_000.0)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "CP-1"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Asks For More"),
        ]
    )
    request = x509.CertificateSigningRequestBuilder().subject_name(name).sign(key, hashes.SHA256())
    signed = ca.sign("CP-1", request.public_bytes(serialization.Encoding.PEM).decode(), clock)
    leaf, root = x509.load_pem_x509_certificates(signed.chain.encode())
    assert leaf.subject == x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "CP-1")])
    assert (
        leaf.issuer == root.subject
        and root.public_key()
        == x509.load_pem_x509_certificate(ca_files[0].read_bytes()).public_key()
    )
    assert leaf.public_key() == key.public_key()
    usage = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(usage) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    assert not leaf.extensions.get_extension_for_class(x509.BasicConstraints).value.ca
    assert signed.not_after == pytest.approx(clock.now() + 365 * 86400)
    assert signed.serial == leaf.serial_number


@pytest.mark.parametrize(
    ("text", "why"),
    [
        (csr("CP-2"), "not the station id"),
        ("not a csr", "not a PEM"),
        ("x" * 6000, "over 5500"),
        (csr("CP-1", rsa.generate_private_key(65537, 1024)), "under 2048"),
    ],
    ids=["other station", "not PEM", "too long", "weak key"],  # the CSRs differ each run
)
def test_a_csr_is_refused_with_its_reason(ca_files: tuple[Path, Path], text: str, why: str) -> None:
    with pytest.raises(CsrRefused, match=why):
        StationCa.load(*ca_files).check("CP-1", text)


def test_a_csr_whose_signature_does_not_verify_is_refused(ca_files: tuple[Path, Path]) -> None:
    good = x509.load_pem_x509_csr(csr("CP-1").encode())
    der = bytearray(good.public_bytes(serialization.Encoding.DER))
    der[-1] ^= 0x01  # the signature's last byte
    broken = x509.load_der_x509_csr(bytes(der)).public_bytes(serialization.Encoding.PEM).decode()
    with pytest.raises(CsrRefused, match="signature"):
        StationCa.load(*ca_files).check("CP-1", broken)


def test_a_ca_that_is_no_ca_or_not_its_key_is_refused(tmp_path: Path) -> None:
    ca = trustme.CA()
    leaf = ca.issue_cert("leaf.example")
    cert, key = tmp_path / "leaf.pem", tmp_path / "leaf.key"
    leaf.cert_chain_pems[0].write_to_path(cert)
    leaf.private_key_pem.write_to_path(key)
    with pytest.raises(CaError, match="not a CA"):
        StationCa.load(cert, key)
    ca_cert = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(ca_cert)
    with pytest.raises(CaError, match="not the certificate's"):
        StationCa.load(ca_cert, key)


def test_the_settings_want_both_files_and_let_profile_3_trust_the_station_ca(
    tmp_path: Path, ca_files: tuple[Path, Path]
) -> None:
    cert, key = ca_files
    with pytest.raises(SettingsError, match="together"):
        load_settings({"station_ca_cert": str(cert)}, env={})
    tls = {"tls_cert": str(cert), "tls_key": str(key), "security_profile": 3}
    with pytest.raises(SettingsError, match="station-ca-cert"):
        load_settings(tls, env={})
    chosen = load_settings(
        {**tls, "station_ca_cert": str(cert), "station_ca_key": str(key)}, env={}
    )
    assert chosen.station_ca_cert == cert and chosen.tls_client_ca is None
