"""The contract CA's root certificates, read from a PEM file.

Apart from core/csms/contract_certificates.py (which checks EV contracts with
them, over OCSP and an HTTP provider), so that checking the settings at start-up
loads no HTTP client.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from cryptography import x509


class ContractError(ValueError):
    """A contract CA file that cannot be used; the message says why."""


def load_roots(ca_file: Path) -> list[x509.Certificate]:
    """The contract CA certificates of a PEM file; ContractError if it holds none."""
    # Here, not at the top: every command checks its settings, few name a contract CA.
    from cryptography import x509

    try:
        return x509.load_pem_x509_certificates(ca_file.read_bytes())
    except (OSError, ValueError) as exc:
        raise ContractError(f"contract_ca_cert: {ca_file}: {exc}") from None
