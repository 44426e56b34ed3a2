"""What an operator asks of a station's maintenance: a firmware update, a log upload.

A job is built in operator terms and checked here, whatever the version; each version's
builder turns it into its call (v16_maintenance.py, v2_maintenance.py). Times are OCPP
timestamps; a location is where the station fetches from or uploads to.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


class JobRefused(ValueError):
    """A job whose values cannot be sent; the message says why (Commands reports it as
    CommandUnavailable)."""


MAX_LOCATION = 512  # characters: the 1.6 security extension's and 2.x's bound
MAX_SIGNING_CERTIFICATE = 5500
MAX_SIGNATURE = 800
LOG_TYPES = ("DiagnosticsLog", "SecurityLog")  # GetLog's (1.6 security extension, 2.x)
DIAGNOSTICS = "Diagnostics"  # 1.6 core profile's GetDiagnostics
SCHEMES = ("http", "https", "ftp", "ftps")  # what the specs name; ocppdeck serves HTTP(S)


@dataclass(frozen=True, slots=True)
class Retries:
    """How often a station tries again, and how many seconds apart (None: its own choice)."""

    count: int | None = None
    interval: int | None = None

    def __post_init__(self) -> None:
        if (self.count is not None and self.count < 0) or (
            self.interval is not None and self.interval < 0
        ):
            raise JobRefused("retries and the retry interval are 0 or more")


OWN_RETRIES = Retries()  # the station's own choice of both


@dataclass(frozen=True, slots=True)
class FirmwareUpdate:
    """Fetch firmware from `location` from `retrieve_at` on and install it.

    With a signing certificate (PEM) and a signature (base64) it is a signed update: 1.6
    SignedUpdateFirmware, 2.x UpdateFirmware with both fields; the station checks the
    signature before installing.
    """

    location: str
    retrieve_at: str
    request_id: int
    retries: Retries = OWN_RETRIES
    signing_certificate: str = ""
    signature: str = ""

    def __post_init__(self) -> None:
        check_location(self.location)
        if bool(self.signing_certificate) != bool(self.signature):
            raise JobRefused("a signed update needs both the certificate and signature")
        if len(self.signing_certificate) > MAX_SIGNING_CERTIFICATE:
            raise JobRefused(
                f"a signing certificate is at most {MAX_SIGNING_CERTIFICATE} characters"
            )
        if len(self.signature) > MAX_SIGNATURE:
            raise JobRefused(f"a signature is at most {MAX_SIGNATURE} characters")

    @property
    def signed(self) -> bool:
        """Whether the station is to check a signature."""
        return bool(self.signature)


@dataclass(frozen=True, slots=True)
class LogUpload:
    """Upload a log to `location`: `log_type` one of LOG_TYPES, or DIAGNOSTICS (1.6's
    GetDiagnostics); the window's ends are optional."""

    location: str
    request_id: int
    log_type: str = "DiagnosticsLog"
    oldest: str | None = None
    latest: str | None = None
    retries: Retries = OWN_RETRIES

    def __post_init__(self) -> None:
        check_location(self.location)
        if self.log_type not in (DIAGNOSTICS, *LOG_TYPES):
            raise JobRefused(f"a log is one of {', '.join((DIAGNOSTICS, *LOG_TYPES))}")


def check_location(location: str) -> None:
    """JobRefused unless `location` is an http(s) or ftp(s) URL the specs allow."""
    parts = urlsplit(location)
    if parts.scheme not in SCHEMES or not parts.netloc:
        raise JobRefused(f"a location is a URL: {', '.join(SCHEMES)}")
    if len(location) > MAX_LOCATION:
        raise JobRefused(f"a location is at most {MAX_LOCATION} characters")
