"""A simulated 2.x station's Plug & Charge: the EV's contract certificate, and the calls
that use it.

When the driver's tag is the contract's eMAID, the station authorizes as ISO 15118
has it (C07, the station unable to check the contract itself): an idToken of type
eMAID with `iso15118CertificateHashData` naming each certificate of the EV's
chain, and charges only when both the token and the certificate are Accepted.
It can also fetch an EV certificate (Get15118EVCertificate) and a certificate's
OCSP status (GetCertificateStatus) through the CSMS.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from ..csms.ocsp_check import cert_id_for
from .tag_verdict import TagVerdict, from_id_token_info

EMAID = "eMAID"
PLUG_AND_CHARGE = "Get15118EVCertificate"  # a call only a version with Plug & Charge has
Send = Callable[[Any], Awaitable[Any | None]]  # the station's CALL: None when unanswered
_ALGORITHM = "SHA256"


@dataclass(frozen=True, slots=True)
class ContractCertificate:
    """An EV's contract: its eMAID, its chain (PEM, leaf first) and each certificate's OCSP
    name and responder as a station sends them (OCSPRequestDataType, camelCase)."""

    emaid: str
    chain_pem: str
    hash_data: tuple[Mapping[str, str], ...]


def contract_certificate(
    emaid: str,
    chain: Sequence[x509.Certificate],
    root: x509.Certificate,
    responder_url: str,
) -> ContractCertificate:
    """The contract of `chain` (leaf first, then its sub-CAs; `root` issued the last), whose
    certificates' status the responder at `responder_url` tells."""
    issuers = [*chain[1:], root]
    hash_data = []
    for cert, issuer in zip(chain, issuers, strict=True):
        named = cert_id_for(cert, issuer, _ALGORITHM)
        hash_data.append(
            {
                "hashAlgorithm": _ALGORITHM,
                "issuerNameHash": named.name_hash.hex(),
                "issuerKeyHash": named.key_hash.hex(),
                "serialNumber": f"{named.serial:x}",
                "responderURL": responder_url,
            }
        )
    pem = b"".join(c.public_bytes(serialization.Encoding.PEM) for c in chain).decode("ascii")
    return ContractCertificate(emaid, pem, tuple(hash_data))


def plug_and_charge(
    contracts: Sequence[ContractCertificate], id_tag: str
) -> ContractCertificate | None:
    """The contract whose eMAID `id_tag` is (the EV authorizes itself), else None."""
    return next((c for c in contracts if c.emaid == id_tag), None)


def id_token(contract: ContractCertificate) -> dict[str, str]:
    """The idToken a contract authorizes with."""
    return {"idToken": contract.emaid, "type": EMAID}


async def authorize(
    send: Send, calls: ModuleType, contract: ContractCertificate
) -> TagVerdict | None:
    """Authorize with the eMAID and the chain's hash data: the token's verdict, refused
    (its status the certificateStatus) unless the certificate is Accepted too."""
    result = await send(
        library_call(
            calls.Authorize,
            id_token=id_token(contract),
            iso15118_certificate_hash_data=[dict(h) for h in contract.hash_data],
        )
    )
    if result is None:
        return None
    found = from_id_token_info(result.id_token_info)
    certificate = str(result.certificate_status)
    if found is None or certificate == "Accepted":
        return found
    return TagVerdict(certificate, found.group)


async def certificate_status(
    send: Send, calls: ModuleType, contract: ContractCertificate
) -> Any | None:
    """GetCertificateStatus for the contract's leaf: the CSMS's answer (None if none)."""
    return await send(calls.GetCertificateStatus(ocsp_request_data=dict(contract.hash_data[0])))


async def ev_certificate(
    send: Send, calls: ModuleType, exi_request: str, action: str = "Install"
) -> Any | None:
    """Get15118EVCertificate for an EV's EXI request (base64): the CSMS's answer."""
    return await send(
        library_call(
            calls.Get15118EVCertificate,
            iso15118_schema_version="urn:iso:15118:2:2013:MsgDef",
            action=action,
            exi_request=exi_request,
        )
    )


def library_call(kind: type, **fields: Any) -> Any:
    """A call of the library's class, its ISO 15118 fields named as that version's class
    names them (2.0.1 `iso15118_…`, 2.1 `iso_15118_…`)."""
    known = {f.name for f in dataclasses.fields(kind)}
    return kind(
        **{k if k in known else k.replace("iso15118", "iso_15118"): v for k, v in fields.items()}
    )
