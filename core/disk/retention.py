"""Retention: closed recording segments past an age or a total size go, the oldest first.

Only a segment that a written snapshot covers is removed (every frame in it
is at or before the snapshot's), so a restart still rebuilds the whole
state from the snapshot and the files left; the current file is never
removed. Which segments go is decided by a pure function; `remove_expired`
is the edge that looks at the folder and deletes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .formats import CURRENT_SEGMENT

_SEGMENT = re.compile(r"recording-(\d+)\.jsonl(?:\.gz)?")
DAY = 86_400.0


@dataclass(frozen=True, slots=True)
class Keep:
    """How much recording to keep; None is no limit."""

    seconds: float | None = None
    bytes: int | None = None

    @classmethod
    def of(cls, days: float, mb: int) -> Keep:
        """From the settings, where 0 means no limit."""
        return cls(days * DAY if days > 0 else None, mb * 1024 * 1024 if mb > 0 else None)

    @property
    def limited(self) -> bool:
        """Whether anything is ever removed."""
        return self.seconds is not None or self.bytes is not None


@dataclass(frozen=True, slots=True)
class Segment:
    """A closed segment: its files (plain and/or gzip), its first frame, size and age."""

    paths: tuple[Path, ...]
    first_seq: int
    size: int
    mtime: float


def expired(
    segments: Sequence[Segment],
    current_bytes: int,
    current_first: int,
    covered_seq: int,
    now: float,
    keep: Keep,
) -> list[Segment]:
    """The segments to remove, oldest first.

    `current_first` is the first frame after the newest segment (the current
    file's first, or the next frame to come); `covered_seq` is the last frame
    the newest written snapshot holds.
    """
    ordered = sorted(segments, key=lambda s: s.first_seq)
    total = current_bytes + sum(s.size for s in ordered)
    gone: list[Segment] = []
    for i, segment in enumerate(ordered):
        following = ordered[i + 1].first_seq if i + 1 < len(ordered) else current_first
        if following > covered_seq + 1:
            break  # it holds frames no snapshot has: a restart needs it, and all after it
        too_old = keep.seconds is not None and segment.mtime < now - keep.seconds
        too_big = keep.bytes is not None and total > keep.bytes
        if not (too_old or too_big):
            break
        gone.append(segment)
        total -= segment.size
    return gone


def segments_in(data_dir: Path) -> list[Segment]:
    """The closed segments of a data dir (a plain and a gzip copy of one count as one)."""
    found: dict[int, list[Path]] = {}
    for path in data_dir.iterdir():
        match = _SEGMENT.fullmatch(path.name)
        if match:
            found.setdefault(int(match.group(1)), []).append(path)
    result = []
    for first, paths in found.items():
        stats = [p.stat() for p in paths]
        result.append(
            Segment(
                tuple(paths),
                first,
                sum(s.st_size for s in stats),
                max(s.st_mtime for s in stats),
            )
        )
    return result


def remove_expired(
    data_dir: Path, current_first: int, covered_seq: int, now: float, keep: Keep
) -> list[Segment]:
    """Remove the segments `expired` names; those removed."""
    current = data_dir / CURRENT_SEGMENT
    current_bytes = current.stat().st_size if current.exists() else 0
    gone = expired(segments_in(data_dir), current_bytes, current_first, covered_seq, now, keep)
    for segment in gone:
        for path in segment.paths:
            path.unlink(missing_ok=True)
    return gone
