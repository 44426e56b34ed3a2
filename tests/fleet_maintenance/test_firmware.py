"""Firmware updates end to end on loopback: the console's command, ocppdeck serving the
image through a URL that expires, a simulated station of each version fetching it over
HTTP and reporting every step, and the history the console shows."""

from __future__ import annotations

from pathlib import Path

import aiohttp
import pytest

from ocppdeck.core.csms.builders.jobs import Retries
from ocppdeck.core.dialects import DIALECTS
from ocppdeck.core.model.state import Topic
from tests.helpers.engine import out_calls
from tests.helpers.maintained_station import IMAGE, IMAGE_NAME, live_station, signing

ALL_VERSIONS = list(DIALECTS)
NO_RETRY = Retries(0, None)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", ALL_VERSIONS)
async def test_a_station_installs_firmware_served_by_ocppdeck(
    tmp_path: Path, protocol: str
) -> None:
    async with live_station(tmp_path, protocol) as live:
        url = live.desk.file_url(IMAGE_NAME)
        live.engine.commands.update_firmware(live.station_id, url, retries=NO_RETRY)
        await live.reported(Topic.FIRMWARE, "Installed")
        assert live.statuses(Topic.FIRMWARE) == [
            "Downloading",
            "Downloaded",
            "Installing",
            "Installed",
        ]
        [sent] = out_calls(live.engine, live.station_id, "UpdateFirmware")
        assert isinstance(sent.payload, dict)
        assert url in str(sent.payload)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", ALL_VERSIONS)
async def test_a_signed_update_is_verified_before_it_is_installed(
    tmp_path: Path, protocol: str
) -> None:
    signer = signing()
    async with live_station(tmp_path, protocol) as live:
        live.engine.commands.update_firmware(
            live.station_id,
            live.desk.file_url(IMAGE_NAME),
            retries=NO_RETRY,
            signing_certificate=signer.certificate,
            signature=signer.signature,
        )
        await live.reported(Topic.FIRMWARE, "Installed")
        assert live.statuses(Topic.FIRMWARE) == [
            "Downloading",
            "Downloaded",
            "SignatureVerified",
            "Installing",
            "Installed",
        ]
        action = "SignedUpdateFirmware" if protocol == "ocpp1.6" else "UpdateFirmware"
        assert out_calls(live.engine, live.station_id, action)


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", ALL_VERSIONS)
async def test_an_invalid_signature_is_reported_and_nothing_is_installed(
    tmp_path: Path, protocol: str
) -> None:
    other = signing()  # a signature by another key than the certificate's
    async with live_station(tmp_path, protocol) as live:
        live.engine.commands.update_firmware(
            live.station_id,
            live.desk.file_url(IMAGE_NAME),
            retries=NO_RETRY,
            signing_certificate=signing().certificate,
            signature=other.signature,
        )
        await live.reported(Topic.FIRMWARE, "InvalidSignature")
        assert live.statuses(Topic.FIRMWARE) == ["Downloading", "Downloaded", "InvalidSignature"]


@pytest.mark.timeout(60)
@pytest.mark.parametrize("protocol", ["ocpp1.6", "ocpp2.0.1"])
async def test_a_forged_url_fails_the_download(tmp_path: Path, protocol: str) -> None:
    async with live_station(tmp_path, protocol) as live:
        good = live.desk.file_url(IMAGE_NAME)
        forged = good.replace(IMAGE_NAME, "other.bin")
        live.engine.commands.update_firmware(live.station_id, forged, retries=NO_RETRY)
        await live.reported(Topic.FIRMWARE, "DownloadFailed")
        assert live.statuses(Topic.FIRMWARE) == ["Downloading", "DownloadFailed"]


@pytest.mark.timeout(30)
async def test_file_urls_serve_the_file_until_they_expire_and_nothing_else(
    tmp_path: Path,
) -> None:
    async with live_station(tmp_path, "ocpp1.6") as live:
        (tmp_path / "secret.txt").write_text("not for stations")
        desk, api = live.desk, live.engine.api
        assert api is not None
        now = int(live.engine.clock.now())
        expired = api.url + desk.signer.file_path(IMAGE_NAME, now - 1)
        good = desk.file_url(IMAGE_NAME)
        expires, mac = good.split("/files/")[1].split("/")[:2]
        refused = [
            expired,
            good[:-3] + "xyz",  # another name under the same signature
            f"{api.url}/files/{expires}/{mac[:-2]}AA/{IMAGE_NAME}",  # a forged signature
            api.url + desk.signer.file_path("../secret.txt", now + 60),  # signed, but outside
            api.url + desk.signer.file_path("..%2Fsecret.txt", now + 60),
        ]
        async with aiohttp.ClientSession() as http:
            async with http.get(good) as response:
                assert response.status == 200
                assert await response.read() == IMAGE
            for url in refused:
                async with http.get(url) as response:
                    assert response.status in (403, 404), url
                    assert b"not for stations" not in await response.read()
            async with http.get(api.url + "/files/") as response:  # no listing
                assert response.status == 404
