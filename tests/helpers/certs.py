"""Certificates made in the test (trustme): a CA, the CSMS's certificate, station certificates."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import trustme

from ocppdeck.core.csms.tls import client_context


@dataclass(frozen=True, slots=True)
class Pki:
    """A test CA with the files the CSMS is given."""

    ca: trustme.CA
    folder: Path
    ca_file: Path  # the CA (trusted by stations; signs station certificates for profile 3)
    cert: Path  # the CSMS's chain for 127.0.0.1
    key: Path

    def station(self, common_name: str, expired: bool = False) -> tuple[Path, Path]:
        """A station certificate and key with that common name (expired yesterday, if asked)."""
        when = datetime.now(UTC)
        issued = self.ca.issue_cert(
            common_name,
            common_name=common_name,
            not_before=when - timedelta(days=30) if expired else None,
            not_after=when - timedelta(days=1) if expired else None,
        )
        suffix = "-expired" if expired else ""
        cert = self.folder / f"{common_name}{suffix}.pem"
        key = self.folder / f"{common_name}{suffix}.key"
        issued.cert_chain_pems[0].write_to_path(cert)
        issued.private_key_pem.write_to_path(key)
        return cert, key

    def client(self, common_name: str | None = None, expired: bool = False) -> ssl.SSLContext:
        """A station's TLS context trusting the CA, with a certificate when named."""
        if common_name is None:
            return client_context(self.ca_file)
        cert, key = self.station(common_name, expired)
        return client_context(self.ca_file, cert, key)


def make_pki(folder: Path) -> Pki:
    """A CA and a CSMS certificate for 127.0.0.1 and localhost, as files in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    ca = trustme.CA()
    ca_file = folder / "ca.pem"
    ca.cert_pem.write_to_path(ca_file)
    server = ca.issue_cert("127.0.0.1", "localhost")
    cert, key = folder / "csms.pem", folder / "csms.key"
    for blob in server.cert_chain_pems:
        blob.write_to_path(cert, append=True)
    server.private_key_pem.write_to_path(key)
    return Pki(ca, folder, ca_file, cert, key)
