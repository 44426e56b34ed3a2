"""One command moves a connected station from its security profile to the next.

The station's profile is the CSMS's, or its own in the registry once an upgrade
raised it. Each step first gives the station what the new profile needs:

- 0 → 1: a password (core/csms/password_change.py: sent, and kept once the station
  took it; a station the registry did not know is registered for it).
- 2 → 3: a client certificate ocppdeck's station CA signed for it, not ended (ask
  the station for a CSR first: the "sign" certificate command), and a CSMS that
  checks client certificates (a station CA or `--tls-client-ca`).
- 1 → 2 is TLS: the station moves to the CSMS's TLS URL, the TLS port beside the plain
  one (`--tls-port`); without one the step is refused, saying so.

Then the station is told its new profile and, when it changes, its URL (1.6
CentralSystemURI, then ChangeConfiguration SecurityProfile; 2.x SetNetworkProfile of a
new slot, then NetworkConfigurationPriority naming it first), each call accepted before
the next goes; the registry keeps the new profile,
so a connection at the old one is refused from then on; and the station is reset
to connect at it: the upgrade ends once it has connected again (or says it has not
within a minute, or that its reset waits for a transaction to end). A refusal at any
step stops there, and the registry keeps the old profile.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .builders.contract import CommandUnavailable
from .commands import Commands
from .outbound_queue import CancelRefused, Outcome
from .password_change import push_password

if TYPE_CHECKING:
    from .server import Csms

HIGHEST = 3
LOST = "ConnectionLost"  # the outbound queue's word for a call whose link dropped
RECONNECT_WAIT_S = 60.0  # how long a station that dropped its link may take to come back
RELOGIN_GRACE_S = 2.0  # how long a station that took a password may take to drop its link
POLL_S = 0.02
SCHEDULED = "Scheduled"  # a 2.x Reset answer: done once the open transactions end


@dataclass(frozen=True, slots=True)
class Upgrade:
    """A station moved up a profile; the password it was given (0 → 1), once, in clear."""

    station_id: str
    before: int
    after: int
    password: str | None = None
    back: bool = True  # connected again at `after`; False: its reset waits (Scheduled)


def profile_of(csms: Csms, station_id: str) -> int:
    """The security profile a station connects at now."""
    entry = csms.registry.get(station_id)
    return max(csms.settings.security_profile, entry.profile if entry is not None else 0)


async def upgrade_profile(commands: Commands, station_id: str) -> Upgrade:
    """Move a connected station one profile up; CommandUnavailable says why it cannot
    (also where the commands go to no CSMS of this process: replay, an attached console)."""
    csms = commands.own_csms()
    if not csms.is_connected(station_id):
        raise CommandUnavailable(f"{station_id} is not connected: an upgrade needs it online")
    before = profile_of(csms, station_id)
    after = before + 1
    if before >= HIGHEST:
        raise CommandUnavailable(f"{station_id} is at profile {HIGHEST}, the highest")
    password = await _credentials(commands, csms, station_id, after)
    url = _url_for(csms, station_id, after)
    moving = url.startswith("wss:") != csms.secure(station_id)
    builder = commands.dialect_of(station_id).commands()
    for call in builder.security_profile(after, url, moving):
        outcome = await _answered(csms, station_id, call)
        statuses = commands.set_statuses(station_id, outcome.response)
        # RebootRequired is what a 1.6 station may say: the reset below is that reboot.
        done = outcome.accepted or outcome.status == "RebootRequired"
        if not done or any(status != "Accepted" for status in statuses):
            said = f"{type(call).__name__} ({outcome.status or outcome.detail})"
            raise CommandUnavailable(f"{station_id} refused {said}: it stays at profile {before}")
    csms.registry.set_profile(station_id, after)
    link = csms.link(station_id)  # the one the reset goes on, and the station drops
    reset = await commands.reset(station_id).future
    if reset.status == SCHEDULED:  # 2.x OnIdle with a transaction open: it resets after it
        return Upgrade(station_id, before, after, password, back=False)
    if not reset.accepted:
        said = reset.status or reset.detail
        raise CommandUnavailable(
            f"{station_id} took profile {after} but refused the reset ({said}): it connects "
            f"at profile {after} from its next reconnect, and only at it"
        )
    try:
        await _next_link(csms, station_id, link)
    except CommandUnavailable:
        raise CommandUnavailable(
            f"{station_id} was reset to connect at profile {after} and has not come back "
            f"within {RECONNECT_WAIT_S:g} s: check its URL and credentials"
        ) from None
    return Upgrade(station_id, before, after, password)


def _url_for(csms: Csms, station_id: str, profile: int) -> str:
    """Where the station connects at `profile`: TLS from profile 2, else where it is now."""
    tls_url = csms.tls_url
    if tls_url is not None and (profile >= 2 or csms.secure(station_id)):
        return tls_url
    return csms.url


async def _answered(csms: Csms, station_id: str, call: Any) -> Outcome:
    """The station's answer to `call`, sent again once if the link dropped under it (a
    station that just took a new password or certificate logs in again with it at once):
    on its next connection, never on the one that is closing."""
    link = csms.link(station_id)
    outcome = await csms.submit(station_id, call).future
    if outcome.status != LOST:
        return outcome
    await _next_link(csms, station_id, link)
    again = csms.submit(station_id, call)
    try:
        return await asyncio.wait_for(asyncio.shield(again.future), RECONNECT_WAIT_S)
    except TimeoutError:
        with contextlib.suppress(CancelRefused):
            csms.cancel(again.id)
        raise CommandUnavailable(f"{station_id} did not come back: the upgrade stopped") from None


async def _next_link(csms: Csms, station_id: str, old: object | None) -> None:
    """Wait until the station is connected on another connection than `old`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + RECONNECT_WAIT_S
    while csms.link(station_id) in (None, old):
        if loop.time() > deadline:
            raise CommandUnavailable(f"{station_id} did not come back: the upgrade stopped")
        await asyncio.sleep(POLL_S)


async def _relogin(csms: Csms, station_id: str, old: object | None) -> None:
    """Let a station that took a new password log in again with it, as most do at once:
    the next call then goes on its new connection rather than on the one it drops."""
    loop = asyncio.get_running_loop()
    grace = loop.time() + RELOGIN_GRACE_S
    while csms.link(station_id) is old:
        if loop.time() > grace:
            return  # it keeps its connection: the new password counts from its next login
        await asyncio.sleep(POLL_S)
    await _next_link(csms, station_id, old)


async def _credentials(commands: Commands, csms: Csms, station_id: str, after: int) -> str | None:
    """Give the station what profile `after` needs: the new password (0 → 1), or None."""
    if after == 1:
        if csms.registry.get(station_id) is None:
            csms.registry.add(station_id)  # its password is replaced once it takes one
        link = csms.link(station_id)
        change = await push_password(commands, csms.registry, station_id)
        if not change.done:
            raise CommandUnavailable(f"{station_id} refused a new password: it stays at profile 0")
        await _relogin(csms, station_id, link)
        return change.password
    if after == 2:
        if csms.tls_url is None:
            raise CommandUnavailable(
                "profile 2 is TLS, and this CSMS serves plain only: start ocppdeck with "
                "--tls-port (and --tls-cert, --tls-key) to serve TLS beside the plain port"
            )
        return None
    settings = csms.settings
    if settings.tls_client_ca is None and settings.station_ca_cert is None:
        raise CommandUnavailable("profile 3 needs a CSMS that checks client certificates")
    if not csms.certificates.signed_valid(station_id):
        raise CommandUnavailable(
            f"{station_id} has no certificate from the station CA: ask it for a CSR first"
        )
    return None
