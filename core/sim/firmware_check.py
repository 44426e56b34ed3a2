"""How a simulated station checks a signed firmware image, as the 1.6 security extension
and 2.x ask: the base64 signature over the image's bytes, by the signing certificate's
key (RSA PKCS#1 v1.5 or ECDSA, SHA-256). Pure."""

from __future__ import annotations

import base64
import binascii

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa


def signature_holds(image: bytes, certificate_pem: str, signature: str) -> bool:
    """Whether `signature` (base64) signs `image` under the certificate's public key."""
    try:
        key = x509.load_pem_x509_certificate(certificate_pem.encode()).public_key()
        signed = base64.b64decode(signature, validate=True)
        if isinstance(key, rsa.RSAPublicKey):
            key.verify(signed, image, padding.PKCS1v15(), hashes.SHA256())
        elif isinstance(key, ec.EllipticCurvePublicKey):
            key.verify(signed, image, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (ValueError, binascii.Error, InvalidSignature):
        return False
    return True
