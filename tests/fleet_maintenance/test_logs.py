"""Diagnostics and logs end to end on loopback: GetLog (1.6 security extension and 2.x)
and GetDiagnostics (1.6), a simulated station uploading to ocppdeck's one-time URL, the
file kept under the station's name, private and never executable."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from ocppdeck.core.dialects import DIALECTS
from ocppdeck.core.files.uploads import listing, uploads_dir
from ocppdeck.core.model.state import Topic
from tests.helpers.engine import out_calls
from tests.helpers.maintained_station import live_station

CASES = [
    (protocol, log_type) for protocol in DIALECTS for log_type in ("DiagnosticsLog", "SecurityLog")
] + [("ocpp1.6", "Diagnostics")]


@pytest.mark.timeout(60)
@pytest.mark.parametrize(("protocol", "log_type"), CASES)
async def test_a_station_uploads_its_log_to_ocppdeck(
    tmp_path: Path, protocol: str, log_type: str
) -> None:
    async with live_station(tmp_path, protocol) as live:
        url = live.desk.upload_url(live.station_id)
        live.engine.commands.get_log(live.station_id, url, log_type, hours=24)
        topic = Topic.DIAGNOSTICS if log_type == "Diagnostics" else Topic.LOG
        await live.reported(topic, "Uploaded")
        assert live.statuses(topic) == ["Uploading", "Uploaded"]
        action = "GetDiagnostics" if log_type == "Diagnostics" else "GetLog"
        assert out_calls(live.engine, live.station_id, action)
        data_dir = live.engine.settings.data_dir
        [upload] = listing(data_dir)
        assert upload.station_id == live.station_id
        assert upload.path.parent == uploads_dir(data_dir) / live.station_id
        assert upload.name.startswith(f"{live.station_id}-") and upload.name.endswith(".log")
        text = upload.path.read_text()
        assert text.startswith(f"{log_type} of {live.station_id}")
        assert "window " in text and " .. -" in text  # the 24 hours asked for, to now
        assert stat.S_IMODE(upload.path.stat().st_mode) == 0o600


@pytest.mark.timeout(60)
async def test_a_location_the_station_cannot_reach_ends_in_a_failed_upload(
    tmp_path: Path,
) -> None:
    async with live_station(tmp_path, "ocpp2.0.1") as live:
        url = live.desk.upload_url(live.station_id)
        forged = url[:-2] + ("AA" if not url.endswith("AA") else "BB")
        live.engine.commands.get_log(live.station_id, forged, "DiagnosticsLog")
        await live.reported(Topic.LOG, "UploadFailure")
        assert live.statuses(Topic.LOG) == ["Uploading", "UploadFailure"]
        assert listing(live.engine.settings.data_dir) == []
