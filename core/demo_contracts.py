"""The demo's Plug & Charge: a contract PKI made from the demo's seed (a V2G root, a
sub-CA, one EV contract certificate per eMAID) whose status the demo's own OCSP responder
on 127.0.0.1 tells (core/demo_ocsp_responder.py). One contract is good, one revoked, so
the console shows both outcomes of an Authorize with a contract (C07).

The keys and serials come from the seed (the signatures' ECDSA nonces do not); the
certificates' dates from the demo's clock. Only the root's PEM is written (the CSMS's
contract CA); the keys live as long as the demo.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import AuthorityInformationAccessOID, NameOID

from .csms.store import IdTag
from .sim.contract_certificate import ContractCertificate, contract_certificate

GOOD_EMAID = "DE-OCP-C12345-6"
REVOKED_EMAID = "DE-OCP-C67890-1"
EMAIDS = (GOOD_EMAID, REVOKED_EMAID)
ROOT_FILE = "demo-contract-root.pem"
_VALID = timedelta(days=365)
_KEY_BITS = 250  # below SECP256R1's order, so any draw is a valid private value


@dataclass(frozen=True, slots=True)
class Issued:
    """A certificate and its key."""

    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def named(common_name: str) -> x509.Name:
    """An X.509 name of just this common name."""
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(
    rng: random.Random,
    common_name: str,
    issuer: Issued | None,
    now: datetime,
    ocsp_url: str = "",
) -> Issued:
    """A certificate for `common_name`, its key and serial drawn from `rng`: a leaf naming
    its OCSP responder when given `ocsp_url`, else a CA (self-signed without an issuer)."""
    key = ec.derive_private_key(rng.getrandbits(_KEY_BITS) + 1, ec.SECP256R1())
    builder = (
        x509.CertificateBuilder()
        .subject_name(named(common_name))
        .issuer_name(named(common_name) if issuer is None else issuer.cert.subject)
        .public_key(key.public_key())
        .serial_number(rng.getrandbits(63) + 1)
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + _VALID)
        .add_extension(x509.BasicConstraints(ca=not ocsp_url, path_length=None), critical=True)
    )
    if ocsp_url:
        access = x509.AccessDescription(
            AuthorityInformationAccessOID.OCSP, x509.UniformResourceIdentifier(ocsp_url)
        )
        builder = builder.add_extension(x509.AuthorityInformationAccess([access]), critical=False)
    signer = key if issuer is None else issuer.key
    return Issued(builder.sign(signer, hashes.SHA256()), key)


class DemoContractPki:
    """The demo's contract CA: a root (written to `folder` for the CSMS) and a sub-CA that
    issues the EVs' contract certificates."""

    def __init__(self, folder: Path, seed: int, now: float) -> None:
        self._seed = seed
        self._now = datetime.fromtimestamp(now, UTC)
        rng = random.Random(f"{seed}:contract-ca")
        self.root = _issue(rng, "ocppdeck demo V2G Root", None, self._now)
        self.sub_ca = _issue(rng, "ocppdeck demo MO Sub-CA", self.root, self._now)
        self.root_file = folder / ROOT_FILE
        folder.mkdir(parents=True, exist_ok=True)
        self.root_file.write_bytes(self.root.cert.public_bytes(serialization.Encoding.PEM))

    def contracts(self, responder_url: str) -> tuple[tuple[ContractCertificate, ...], set[int]]:
        """The simulator's contracts, one per eMAID, each certificate naming `responder_url`
        for its status; and the serials that responder is to call revoked (REVOKED_EMAID's)."""
        made: list[ContractCertificate] = []
        revoked: set[int] = set()
        for emaid in EMAIDS:
            rng = random.Random(f"{self._seed}:{emaid}")
            leaf = _issue(rng, emaid, self.sub_ca, self._now, responder_url)
            chain = [leaf.cert, self.sub_ca.cert]
            made.append(contract_certificate(emaid, chain, self.root.cert, responder_url))
            if emaid == REVOKED_EMAID:
                revoked.add(leaf.cert.serial_number)
        return tuple(made), revoked


def contract_id_tags() -> list[IdTag]:
    """The eMAIDs as the demo's CSMS knows them: tokens it accepts, so that what decides is
    the contract certificate's status."""
    return [IdTag(emaid) for emaid in EMAIDS]
