"""ISO 15118 contract certificates (Plug & Charge) as the CSMS answers for them on 2.x.

With a contract CA (`--contract-ca-cert`: the V2G / MO root(s) it trusts):
- Authorize with `iso15118CertificateHashData` (C07): each certificate named is
  checked by OCSP at the responder the station names; the answer's
  certificateStatus is Accepted when every one is good, CertificateRevoked for a
  revoked one, CertChainError for one the responder does not know, and
  NoCertificateAvailable when no believed status could be had (responder not
  allowed, down, too slow, or its answer unsigned by the contract CA). With only
  the EV's `certificate` chain (central contract validation) the chain itself is
  checked first: CertificateExpired, CertChainError when it does not lead to the
  contract CA, then OCSP at each certificate's own responder.
- GetCertificateStatus: the responder's signed answer, passed on (Accepted with
  its base64 DER), or Failed saying why. GetCertificateChainStatus (2.1): the
  same per request, as Good, Revoked, Unknown or Failed.
Without one, Authorize's certificateStatus is NoCertificateAvailable and the
others answer Failed with reason NoCA, as before. Get15118EVCertificate needs a
provider (core/csms/ev_certificate_provider.py) instead; NoCA without one.
"""

from __future__ import annotations

import asyncio
import base64
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.x509.oid import AuthorityInformationAccessOID

from ..clock import Clock, to_iso
from .contract_roots import load_roots
from .ev_certificate_provider import EvCertificateProvider, ProviderFailed
from .ocsp_check import CertId, OcspUnusable, cert_id_for, cert_id_of, issued_by
from .ocsp_client import OcspClient
from .outgoing_http import Session

log = logging.getLogger("ocppdeck.csms.contracts")

ACCEPTED = "Accepted"
NO_CERTIFICATE = "NoCertificateAvailable"  # no believed status could be had
REVOKED = "CertificateRevoked"
EXPIRED = "CertificateExpired"
CHAIN_ERROR = "CertChainError"
NO_CONTRACT_CA = "no contract CA is configured (--contract-ca-cert)"
NO_PROVIDER = "no contract certificate provider is configured (--contract-cert-provider)"
CHECK_S = 10.0  # one Authorize's checks, all of them: the station waits for its answer
_CHAIN_CERTS = 4  # the most certificates of an EV's chain looked at (leaf and sub-CAs)
_INFO = 512  # statusInfo.additionalInfo's bound in 2.0.1 (2.1 allows more)
_OCSP_STATUS = {"good": "Good", "revoked": "Revoked", "unknown": "Unknown"}


class ContractCertificates:
    """The contract CA's roots (empty: none configured), OCSP and the EV certificate provider."""

    def __init__(
        self,
        roots: Sequence[x509.Certificate],
        responder_hosts: Sequence[str],
        provider_url: str,
        clock: Clock,
    ) -> None:
        self._clock = clock
        self._session = Session()
        self.ocsp = OcspClient(roots, responder_hosts, clock, self._session) if roots else None
        self.provider = EvCertificateProvider(provider_url, self._session) if provider_url else None

    async def authorize(
        self, station_id: str, hash_data: Sequence[Mapping[str, Any]], chain_pem: str | None
    ) -> str:
        """Authorize's certificateStatus for the certificates a station presents."""
        if self.ocsp is None:
            return NO_CERTIFICATE
        # An unvalidated station's payload may hold anything: what is not the type is none.
        entries = _listed(hash_data)
        chain = chain_pem if isinstance(chain_pem, str) else None
        try:
            async with asyncio.timeout(CHECK_S):
                return await self._authorize(station_id, entries, chain)
        except TimeoutError:
            log.warning("OCSP for %s took too long", station_id, extra={"station": station_id})
            return NO_CERTIFICATE

    async def _authorize(
        self, station_id: str, hash_data: Sequence[Mapping[str, Any]], chain_pem: str | None
    ) -> str:
        assert self.ocsp is not None
        named: list[tuple[CertId, str]] = []
        try:
            for entry in hash_data:  # cert_id_of checks that each is an object
                named.append((cert_id_of(entry), str(entry.get("responder_url", ""))))
        except OcspUnusable:
            return NO_CERTIFICATE
        if not named and chain_pem:
            found = self._chain_ids(station_id, chain_pem)
            if isinstance(found, str):
                return found
            named = found
        if not named:
            return NO_CERTIFICATE
        for cert_id, url in named:
            try:
                status = (await self.ocsp.check(station_id, cert_id, url)).status
            except OcspUnusable:
                return NO_CERTIFICATE
            if status != "good":
                return REVOKED if status == "revoked" else CHAIN_ERROR
        return ACCEPTED

    def _chain_ids(self, station_id: str, chain_pem: str) -> str | list[tuple[CertId, str]]:
        """Central contract validation: the OCSP names and responders of an EV's chain
        (leaf first), or the certificateStatus that ends the check before OCSP."""
        assert self.ocsp is not None
        try:
            chain = x509.load_pem_x509_certificates(chain_pem.encode())[:_CHAIN_CERTS]
        except ValueError:
            return CHAIN_ERROR
        now = datetime.fromtimestamp(self._clock.now(), UTC)
        if any(c.not_valid_after_utc < now for c in chain):
            return EXPIRED
        issuers = [*chain[1:], _root_of(chain[-1], self.ocsp.roots)]
        named: list[tuple[CertId, str]] = []
        for cert, issuer in zip(chain, issuers, strict=True):
            if issuer is None or not issued_by(cert, issuer):
                log.warning(
                    "%s's contract chain does not lead to the contract CA",
                    station_id,
                    extra={"station": station_id},
                )
                return CHAIN_ERROR
            named.append((cert_id_for(cert, issuer, "SHA256"), _responder_of(cert)))
        return named

    async def certificate_status(
        self, station_id: str, data: Mapping[str, Any], longest: int
    ) -> dict[str, Any]:
        """GetCertificateStatus's answer (snake_case) for one certificate."""
        if self.ocsp is None:
            return _failed("NoCA", NO_CONTRACT_CA)
        try:
            cert_id = cert_id_of(data)
            url = str(data.get("responder_url", ""))  # a Mapping: cert_id_of checked it
            found = await self.ocsp.check(station_id, cert_id, url)
        except OcspUnusable as exc:
            return _failed("OCSPFailed", str(exc))
        result = base64.b64encode(found.der).decode("ascii")
        if len(result) > longest:
            return _failed("OCSPFailed", f"the responder's answer is over {longest} characters")
        return {"status": ACCEPTED, "ocsp_result": result}

    async def chain_status(
        self, station_id: str, requests: Sequence[Mapping[str, Any]]
    ) -> list[dict[str, Any]]:
        """GetCertificateChainStatus's certificateStatus list (2.1): one per request, each
        Failed that is not told within CHECK_S of the first."""
        listed = [r if isinstance(r, Mapping) else {} for r in _listed(requests)]
        answers = [self._chain_failed(request) for request in listed]
        deadline = asyncio.get_running_loop().time() + CHECK_S
        try:
            async with asyncio.timeout_at(deadline):
                for request, answer in zip(listed, answers, strict=True):
                    await self._tell_status(station_id, request, answer)
        except TimeoutError:
            log.warning("OCSP for %s took too long", station_id, extra={"station": station_id})
        return answers

    def _chain_failed(self, request: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "certificate_hash_data": request.get("certificate_hash_data"),
            "source": request.get("source"),
            "status": "Failed",
            "next_update": to_iso(self._clock.now()),
        }

    async def _tell_status(
        self, station_id: str, request: Mapping[str, Any], answer: dict[str, Any]
    ) -> None:
        """Fill in `answer` from the first of the request's responders that tells a status."""
        hashed = request.get("certificate_hash_data")
        if self.ocsp is None or request.get("source") != "OCSP" or not isinstance(hashed, Mapping):
            return  # no contract CA; CRLs are not fetched
        for url in _listed(request.get("urls"))[:2]:
            try:
                found = await self.ocsp.check(station_id, cert_id_of(hashed), str(url))
            except OcspUnusable:
                continue
            answer["status"] = _OCSP_STATUS[found.status]
            if found.next_update is not None:
                answer["next_update"] = to_iso(found.next_update.timestamp())
            return

    async def ev_certificate(
        self, station_id: str, fields: Mapping[str, Any], longest: int
    ) -> dict[str, Any]:
        """Get15118EVCertificate's answer (snake_case): the provider's EXI response."""
        if self.provider is None:
            return {**_failed("NoCA", NO_PROVIDER), "exi_response": ""}
        try:
            exi = await self.provider.exi_response(
                station_id,
                str(fields.get("iso15118_schema_version", "")),
                str(fields.get("action", "")),
                str(fields.get("exi_request", "")),
                longest,
                fields,
            )
        except ProviderFailed as exc:
            log.warning(
                "no EV certificate for %s: %s", station_id, exc, extra={"station": station_id}
            )
            return {**_failed("ProviderFailed", str(exc)), "exi_response": ""}
        log.info(
            "EV certificate for %s from the provider", station_id, extra={"station": station_id}
        )
        return {"status": ACCEPTED, "exi_response": exi}

    async def close(self) -> None:
        """Close the outgoing HTTP session."""
        await self._session.close()


def token_status(token: str, certificate: str) -> str:
    """The idTokenInfo status that agrees with a certificateStatus: a token accepted by
    itself is not accepted with a certificate that is not (Expired for an expired one)."""
    if certificate == ACCEPTED or token != ACCEPTED:
        return token
    return "Expired" if certificate == EXPIRED else "Invalid"


def _listed(value: Any) -> list[Any]:
    """A list from a station's payload (an unvalidated station's may hold anything)."""
    return value if isinstance(value, list) else []


def _failed(reason: str, detail: str) -> dict[str, Any]:
    return {
        "status": "Failed",
        "status_info": {"reason_code": reason, "additional_info": detail[:_INFO]},
    }


def _root_of(cert: x509.Certificate, roots: Sequence[x509.Certificate]) -> x509.Certificate | None:
    return next((r for r in roots if issued_by(cert, r)), None)


def _responder_of(cert: x509.Certificate) -> str:
    """The OCSP responder a certificate names (its AIA extension), "" for none."""
    try:
        access = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return ""
    for description in access:
        if description.access_method == AuthorityInformationAccessOID.OCSP:
            return str(description.access_location.value)
    return ""


def load_contract_certificates(
    ca_file: Path | None, responder_hosts: Sequence[str], provider_url: str, clock: Clock
) -> ContractCertificates:
    """The configured contract certificates (no roots without a CA file)."""
    roots = [] if ca_file is None else load_roots(ca_file)
    return ContractCertificates(roots, responder_hosts, provider_url, clock)
