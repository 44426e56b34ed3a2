"""The handshake gate: who may open a websocket as which station, by the OCPP security profiles.

Every upgrade request passes `Gate.admit`, in this order: a valid path (else 404)
and identity (else 400), a subprotocol the CSMS serves (else 400), a station the registry
does not refuse (rejected: 403; unknown while registration is closed: 404),
then the profile's credentials (else 401): profile 1 and 2 an HTTP Basic
username equal to the identity and the station's password; profile 3 a client
certificate whose common name is the identity (a Basic password, if sent, must
be right too). The profile is the CSMS's, or the station's own in the registry
when an upgrade raised it; a client certificate, when presented, must name the
station. Password hashes are checked off the event loop, a few at a time.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from http import HTTPStatus

from websockets.http11 import Request

from .identity import IdentityError, NotAStationPath, station_from_path
from .passwords import Verifier
from .registry import Registered, Registration, Standing, StationRegistry

REALM = 'Basic realm="ocppdeck", charset="UTF-8"'
# Unknown stations waiting for the operator (pending registration): more are refused, so
# made-up ids cannot fill the registry.
MAX_PENDING = 1000


@dataclass(frozen=True, slots=True)
class Admitted:
    """A handshake let through: the station, and the hash of a password it gave while
    unknown under pending registration (so an operator's accept adopts it)."""

    station_id: str
    new_password_hash: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """A handshake refused: the HTTP status, a short reason (a metrics label) and what the
    station is told."""

    status: HTTPStatus
    reason: str
    note: str
    station_id: str = ""


def busy(station_id: str) -> Refusal:
    """Too many password checks wait: come back later (with Retry-After)."""
    note = "too many handshakes at once, retry later"
    return Refusal(HTTPStatus.SERVICE_UNAVAILABLE, "busy", note, station_id)


def offered_protocols(request: Request) -> list[str]:
    """Subprotocols a client offers, in its order of preference."""
    offered: list[str] = []
    for header in request.headers.get_all("Sec-WebSocket-Protocol"):
        offered.extend(p.strip() for p in header.split(",") if p.strip())
    return offered


def choose_protocol(offered: list[str], served: tuple[str, ...]) -> str | None:
    """The station's most preferred subprotocol among those served, if any."""
    return next((p for p in offered if p in served), None)


class BadCredentials(ValueError):
    """An Authorization header that is not HTTP Basic as RFC 7617 writes it."""


def basic_credentials(header: str | None) -> tuple[str, str] | None:
    """(username, password) of an HTTP Basic header; None when there is none."""
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip():
        raise BadCredentials("not HTTP Basic")
    try:
        decoded = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise BadCredentials("not base64 of UTF-8") from None
    user, colon, password = decoded.partition(":")
    if not colon:
        raise BadCredentials("no colon between username and password")
    return user, password


class Gate:
    """Decides each handshake for a security profile and a registration mode."""

    def __init__(
        self,
        profile: int,
        registration: Registration,
        registry: StationRegistry,
        served: tuple[str, ...],
        verifier: Verifier | None = None,
    ) -> None:
        self.profile = profile
        self.registration = registration
        self.registry = registry
        self.served = served
        self.verifier = verifier or Verifier()

    async def admit(
        self, request: Request, peer_name: str | None, secure: bool = False
    ) -> Admitted | Refusal:
        """Let a handshake through or say why not; `peer_name` is the client certificate's
        common name (profile 3), when one was presented; `secure` whether it came over TLS."""
        try:
            station_id = station_from_path(request.path)
        except NotAStationPath as exc:
            return Refusal(HTTPStatus.NOT_FOUND, "path", str(exc))
        except IdentityError as exc:
            return Refusal(HTTPStatus.BAD_REQUEST, "identity", str(exc))
        offered = offered_protocols(request)
        if choose_protocol(offered, self.served) is None:
            note = f"no common subprotocol: offered {offered or 'none'}, served {list(self.served)}"
            return Refusal(HTTPStatus.BAD_REQUEST, "subprotocol", note, station_id)
        entry = self.registry.get(station_id)
        if entry is not None and entry.standing is Standing.REJECTED:
            return Refusal(HTTPStatus.FORBIDDEN, "rejected", "rejected by the operator", station_id)
        if entry is None and self.registration is Registration.CLOSED:
            return Refusal(HTTPStatus.NOT_FOUND, "unknown", "unknown station", station_id)
        return await self._credentials(request, station_id, entry, peer_name, secure)

    async def _credentials(
        self,
        request: Request,
        station_id: str,
        entry: Registered | None,
        peer_name: str | None,
        secure: bool,
    ) -> Admitted | Refusal:
        # A station upgraded past the CSMS's profile is held to its own (registry.profile).
        profile = max(self.profile, entry.profile if entry is not None else 0)
        if profile == 0:
            return Admitted(station_id)
        # A CSMS at profile 2 or 3 serves TLS only; beside a plain port, a TLS one may be.
        if profile >= 2 and not secure and self.profile < 2:
            note = f"the station is at security profile {profile}: TLS, which this port is not"
            return Refusal(HTTPStatus.UNAUTHORIZED, "profile", note, station_id)
        if profile == 3 and peer_name is None:  # an upgraded station on a profile 2 CSMS
            note = "the station is at security profile 3: a client certificate is needed"
            return Refusal(HTTPStatus.UNAUTHORIZED, "certificate", note, station_id)
        if peer_name is not None and peer_name != station_id:
            note = "the client certificate's common name is not the station id"
            return Refusal(HTTPStatus.UNAUTHORIZED, "certificate", note, station_id)
        try:
            given = basic_credentials(request.headers.get("Authorization"))
        except BadCredentials as exc:
            return Refusal(
                HTTPStatus.UNAUTHORIZED, "malformed", f"Authorization: {exc}", station_id
            )
        if given is None:
            if profile == 3:  # the certificate is the credential; Basic is optional
                return Admitted(station_id)
            return Refusal(HTTPStatus.UNAUTHORIZED, "missing", "HTTP Basic auth needed", station_id)
        user, password = given
        if user != station_id:
            note = "the Basic username is not the station id"
            return Refusal(HTTPStatus.UNAUTHORIZED, "username", note, station_id)
        if entry is None:  # unknown, under open or pending registration
            if self.registration is not Registration.PENDING:
                return Admitted(station_id)
            if self.registry.pending_count() >= MAX_PENDING:
                note = f"{MAX_PENDING} stations already wait for the operator"
                return Refusal(HTTPStatus.SERVICE_UNAVAILABLE, "pending-full", note, station_id)
            if self.verifier.saturated:
                return busy(station_id)
            try:
                return Admitted(station_id, await self.verifier.hash(password))
            except ValueError as exc:  # not a password OCPP allows
                reason = f"the password: {exc}"
                return Refusal(HTTPStatus.UNAUTHORIZED, "password", reason, station_id)
        stored = entry.password_hash
        if stored is None:
            if profile == 3:  # the certificate is the credential
                return Admitted(station_id)
            note = "no password is set for this station (ocppdeck stations set-password)"
            return Refusal(HTTPStatus.UNAUTHORIZED, "password", note, station_id)
        if self.verifier.saturated and not self.verifier.known(password, stored):
            return busy(station_id)
        if not await self.verifier.verify(password, stored):
            return Refusal(HTTPStatus.UNAUTHORIZED, "password", "wrong password", station_id)
        return Admitted(station_id)
