"""Sources for report tests made from the shipped samples: a plain OCPP 1.6 log of the
demo fleet, and the fault story told by a station whose id is markup."""

from __future__ import annotations

from pathlib import Path

import orjson

from ocppdeck.core.clock import to_iso
from ocppdeck.core.disk.formats import ImportReport, read_frames
from ocppdeck.core.wire.codec import to_wire
from ocppdeck.core.wire.frame import Direction
from ocppdeck.sample_data import sample_path

# A station id that would run a script, and one that would break out of an attribute and
# load an image, if a page took them for markup. Each sets a window property if it runs.
HOSTILE_IDS = (
    "<script>window.__x=1</script>",
    '"><img src=x onerror="window.__y=1">',
)


def plain_log(folder: Path) -> Path:
    """The shipped demo (five 1.6 stations) as one plain OCPP-J log, as a CSMS logs it: an
    ISO timestamp, the station, an arrow (`->` the station sent it) and the OCPP-J array."""
    lines = []
    for frame in read_frames(sample_path("demo-v16.jsonl"), None, ImportReport()):
        wire = to_wire(frame)
        if wire is not None:
            arrow = "->" if frame.direction is Direction.IN else "<-"
            message = orjson.dumps(wire).decode()
            lines.append(f"{to_iso(frame.ts)} {frame.station} {arrow} {message}")
    path = folder / "demo-v16.log"
    path.write_text("\n".join(lines) + "\n")
    return path


def hostile_story(folder: Path) -> Path:
    """The fault story twice, once as each of HOSTILE_IDS instead of CP-FAULT."""
    lines = []
    for station in HOSTILE_IDS:
        for line in sample_path("fault-story.jsonl").read_bytes().splitlines():
            record = orjson.loads(line)
            if record["station"] == "CP-FAULT":
                record["station"] = station
            lines.append(orjson.dumps(record))
    path = folder / "hostile.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    return path
