"""A simulated station's maintenance jobs: a firmware update and a log upload, over HTTP.

Whatever the version, a firmware job waits for its retrieve time, downloads the image
(retrying as told), checks a signed image's signature, installs it, and reports each
step through `report` (the link's status notification): Downloading, Downloaded,
SignatureVerified, Installing, Installed, or DownloadFailed / InvalidSignature. A log
job writes a small log of the station and uploads it: a multipart POST (as many 1.6
chargers do) or a PUT of the file to the location plus its name. The simulator speaks
HTTP(S) only: an FTP location fails its upload or download at once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import aiohttp

from ..clock import parse_iso
from .connector import pause
from .firmware_check import signature_holds
from .host import StationHost

MAX_IMAGE_BYTES = 32 * 1024 * 1024  # a simulated station's flash: larger images fail
HTTP_TIMEOUT_S = 30.0
DEFAULT_RETRY_S = 5.0  # between tries, when the CSMS does not say
INSTALL_S = 2.0  # simulated seconds an install takes
MAX_WAIT_S = 24 * 3600.0  # a retrieve time further ahead is waited for this long at most
MAX_RETRIES = 5  # tries past the first, whatever the CSMS asks

Report = Callable[[str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class FirmwareJob:
    """Fetch and install: from where, from when (an OCPP timestamp), how many tries, and
    the signing certificate and signature of a signed update ("" for none)."""

    location: str
    retrieve_at: str
    retries: int | None = None
    retry_interval: int | None = None
    certificate: str = ""
    signature: str = ""


def firmware_job(
    firmware: dict[str, Any], retries: int | None, retry_interval: int | None
) -> FirmwareJob:
    """The job of a `firmware` object: 1.6 SignedUpdateFirmware's and 2.x UpdateFirmware's
    (where the signing certificate and signature may be left out)."""
    return FirmwareJob(
        firmware["location"],
        firmware["retrieve_date_time"],
        retries,
        retry_interval,
        firmware.get("signing_certificate") or "",
        firmware.get("signature") or "",
    )


@dataclass(frozen=True, slots=True)
class LogJob:
    """Upload a log: where, its file name, what it holds, how, and how many tries."""

    location: str
    file_name: str
    kind: str  # what the log holds, its first line (e.g. "DiagnosticsLog")
    oldest: str | None = None
    latest: str | None = None
    retries: int | None = None
    retry_interval: int | None = None
    multipart: bool = False  # POST a form, else PUT to location + "/" + file_name


def _tries(retries: int | None) -> int:
    return 1 + min(max(retries or 0, 0), MAX_RETRIES)


def _interval(retry_interval: int | None) -> float:
    return float(retry_interval) if retry_interval else DEFAULT_RETRY_S


def _session(host: StationHost) -> aiohttp.ClientSession:
    timeout = aiohttp.ClientTimeout(total=HTTP_TIMEOUT_S / host.settings.speed + 5.0)
    tls = host.settings.tls
    return aiohttp.ClientSession(
        timeout=timeout, connector=aiohttp.TCPConnector(ssl=tls if tls is not None else True)
    )


async def update_firmware(host: StationHost, job: FirmwareJob, report: Report) -> None:
    """Run a firmware job to its end, reporting each step."""
    start = parse_iso(job.retrieve_at)
    wait = 0.0 if start is None else min(max(start - host.now(), 0.0), MAX_WAIT_S)
    await pause(wait, host.settings.speed)
    await report("Downloading")
    image = None
    for attempt in range(_tries(job.retries)):
        if attempt:
            await pause(_interval(job.retry_interval), host.settings.speed)
        image = await _download(host, job.location)
        if image is not None:
            break
    if image is None:
        await report("DownloadFailed")
        return
    await report("Downloaded")
    if job.signature:
        if not signature_holds(image, job.certificate, job.signature):
            await report("InvalidSignature")
            return
        await report("SignatureVerified")
    await report("Installing")
    await pause(INSTALL_S, host.settings.speed)
    await report("Installed")


async def _download(host: StationHost, location: str) -> bytes | None:
    """The image at `location`, or None (not HTTP(S), refused, too large, unreachable)."""
    if not location.startswith(("http://", "https://")):
        return None
    try:
        async with _session(host) as session, session.get(location) as response:
            if response.status != 200:
                return None
            image = bytearray()
            async for chunk in response.content.iter_chunked(64 * 1024):
                image += chunk
                if len(image) > MAX_IMAGE_BYTES:
                    return None
            return bytes(image)
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return None


def log_text(host: StationHost, job: LogJob) -> bytes:
    """The small log a simulated station uploads: who, what, which window, its connectors."""
    lines = [
        f"{job.kind} of {host.spec.station_id} ({host.spec.vendor} {host.spec.model}, "
        f"firmware {host.spec.firmware})",
        f"written {host.timestamp()}, window {job.oldest or '-'} .. {job.latest or '-'}",
    ]
    lines += [f"connector {n}: {c.status}, {c.meter_wh:.0f} Wh" for n, c in host.connectors.items()]
    return ("\n".join(lines) + "\n").encode()


async def upload_log(host: StationHost, job: LogJob, report: Report, failed: str) -> None:
    """Run a log job to its end: Uploading, then Uploaded or `failed` (the version's word)."""
    await report("Uploading")
    body = log_text(host, job)
    for attempt in range(_tries(job.retries)):
        if attempt:
            await pause(_interval(job.retry_interval), host.settings.speed)
        if await _upload(host, job, body):
            await report("Uploaded")
            return
    await report(failed)


async def _upload(host: StationHost, job: LogJob, body: bytes) -> bool:
    if not job.location.startswith(("http://", "https://")):
        return False
    try:
        async with _session(host) as session:
            if job.multipart:
                form = aiohttp.FormData()
                form.add_field("file", body, filename=job.file_name, content_type="text/plain")
                sent = session.post(job.location, data=form)
            else:
                target = f"{job.location.rstrip('/')}/{quote(job.file_name)}"
                sent = session.put(target, data=body)
            async with sent as response:
                return 200 <= response.status < 300
    except (aiohttp.ClientError, TimeoutError, ValueError):
        return False
