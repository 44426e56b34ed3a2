"""TLS for security profiles 2 and 3: the CSMS's context, the simulator's, and the peer's name.

Profile 2 is TLS 1.2 or newer with the cipher suites the OCPP security
specifications list (1.6 whitepaper and 2.0.1 part 2, A00.FR.318-321); profile 3
adds client certificates signed by the operator's CA, whose common name must be
the station's identity.
"""

from __future__ import annotations

import ssl
from pathlib import Path
from typing import Any

# The TLS 1.2 suites OCPP names; TLS 1.3 suites are OpenSSL's (all of them AEAD).
SPEC_CIPHERS = ":".join(
    (
        "ECDHE-ECDSA-AES128-GCM-SHA256",
        "ECDHE-ECDSA-AES256-GCM-SHA384",
        "ECDHE-RSA-AES128-GCM-SHA256",
        "ECDHE-RSA-AES256-GCM-SHA384",
        "AES128-GCM-SHA256",
        "AES256-GCM-SHA384",
    )
)


def server_context(
    cert: Path, key: Path, client_ca: Path | None = None, required: bool = True
) -> ssl.SSLContext:
    """The CSMS's context: its certificate, TLS 1.2+, the spec's suites; with `client_ca`,
    a client certificate signed by it is required (profile 3), or only checked when one
    is presented (`required` False: profile 2 stations moving to 3)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(SPEC_CIPHERS)
    context.load_cert_chain(cert, key)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED if required else ssl.CERT_OPTIONAL
        context.load_verify_locations(client_ca)
    return context


def client_context(
    ca: Path | None = None, cert: Path | None = None, key: Path | None = None
) -> ssl.SSLContext:
    """A station's context: trusts `ca` (else the system's), presents `cert` when given."""
    context = ssl.create_default_context(cafile=str(ca) if ca is not None else None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if cert is not None:
        context.load_cert_chain(cert, key)
    return context


def pinned_context(cert: Path) -> ssl.SSLContext:
    """A station's context trusting exactly the CSMS certificate (chain) in `cert`, even one
    a CA signed: what the demo's own fleet uses, whose CSMS is in the same process."""
    context = client_context(cert)
    context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN  # the leaf is a trust anchor
    return context


def peer_common_name(transport: Any) -> str | None:
    """The common name of the client certificate a connection presented, if any."""
    peer = transport.get_extra_info("peercert") if transport is not None else None
    if not peer:
        return None
    for rdn in peer.get("subject", ()):
        for name, value in rdn:
            if name == "commonName":
                return str(value)
    return None
