"""Frame log pane: a virtual list over the core's FrameLog.

Only the rows on screen are drawn (Line API), so a million frames scroll as
lightly as ten. New frames are scanned incrementally on each redraw tick.
It follows the tail until the user moves the cursor up; End resumes.
X writes the frames it shows, all of them, to a file (tui/frame_export.py).
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from dataclasses import dataclass

import orjson
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...core.disk.export import ExportRow
from ...core.wire.frame import Direction, Frame, Kind
from ...core.wire.frame_log import FrameWindow, frame_action
from ...core.wire.frame_query import KIND_LABELS, FrameQuery
from ..formatting import precise_time
from ..frame_export import FrameExport
from ..station_text import shown

SCAN_CHUNK = 50_000  # frames a filter looks at per redraw
LEAD = 41  # cells before the action: time, station, direction, kind and their spaces


def action_width(width: int) -> int:
    """The action column's width in a pane `width` cells wide: 28, narrowed on a small
    terminal so that the payload keeps some room (never under 18: StatusNotification)."""
    return max(18, min(28, width - LEAD - 17))


def frame_summary(frame: Frame) -> str:
    """A short one-line payload; an event's text (in the wide column: it is long)."""
    if not frame.is_ocpp:
        return frame.text
    if frame.kind is Kind.ERROR and frame.text:
        return frame.text
    return orjson.dumps(frame.payload).decode()


@dataclass(frozen=True, slots=True)
class _Row:
    """The texts of one row before styling."""

    time: str
    station: str
    direction: str
    kind: str
    action: str
    summary: str


class FrameLogView(ScrollView, can_focus=True):
    """Every frame: time, station, direction, message type, action, short payload."""

    COMPONENT_CLASSES = {
        "frame-log--in",
        "frame-log--out",
        "frame-log--error",
        "frame-log--event",
        "frame-log--cursor",
        "frame-log--dim",
    }

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "first", "First frame", show=False),
        Binding("end", "follow", "Follow tail"),
        Binding("enter", "inspect", "Inspect"),
        Binding("X", "export", "Export the frames shown (.jsonl or .csv)", show=False),
    ]

    class Inspect(Message):
        """The user asked to inspect the frame at a position of the log."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(self, log: FrameWindow, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.frame_log = log
        self.query_filter = FrameQuery()
        # Unfiltered, the rows are simply every position in the window (a range,
        # not a list, so a million frames cost nothing); filtered, a list.
        self.positions: range | list[int] = range(0)
        self._scanned = 0
        self.cursor: int | None = None
        self.following = True
        self._cache: LRUCache[tuple[int, int, bool], Strip] = LRUCache(2000)
        self.exporter = FrameExport(self, self.shown_before, self.rows_at)

    def on_mount(self) -> None:
        self.border_title = "Frames"

    def on_resize(self) -> None:
        # The first sync runs before the pane has a size; keep the tail in view once it has one.
        if self.following and self.positions:
            self.scroll_end(animate=False, immediate=True)

    # --- data -------------------------------------------------------------
    def set_filter(self, text: str) -> None:
        """Show only frames matching `text` (see FrameQuery); empty shows all. A filter that
        cannot be read raises QueryError and leaves the log as it was."""
        self.query_filter = FrameQuery.parse(text)
        self.positions = range(0) if self.query_filter.empty else []
        self._scanned = self.frame_log.base
        self.cursor = None
        self.following = True
        self.sync()

    def _matches(self, frame: Frame, pos: int) -> bool:
        query = self.query_filter
        if query.empty:
            return True
        partner = "" if not frame.is_ocpp else frame_action(frame, pos, self.frame_log)
        return query.matches(frame, partner)

    def sync(self) -> None:
        """Take in frames appended since the last call; keep the tail in view when following.

        The window may also shrink (a replay stepping back): rows past its end go.
        A filter scans at most SCAN_CHUNK new frames per call, so a long
        backlog is filtered over a few redraws instead of freezing one.
        """
        log = self.frame_log
        end = len(log)
        if isinstance(self.positions, range):
            shift = log.base - self.positions.start
            if shift > 0 and self.cursor is not None:  # rows fell out of the window
                self.cursor = max(0, self.cursor - shift)
            self.positions = range(log.base, end)
            self._scanned = end
        else:
            self._sync_filtered(log.base, end)
        # Width 0: lines are cropped to the pane, never scrolled sideways.
        self.virtual_size = Size(0, len(self.positions))
        if self.cursor is not None and self.cursor >= len(self.positions):
            self.cursor = len(self.positions) - 1 if self.positions else None
        if self.following and self.positions:
            self.cursor = len(self.positions) - 1
            self.scroll_end(animate=False, immediate=True)
        self._update_titles()
        self.refresh()

    def _sync_filtered(self, base: int, end: int) -> None:
        positions = self.positions
        assert isinstance(positions, list)
        if positions and positions[0] < base:  # frames fell out of the window
            dropped = bisect.bisect_left(positions, base)
            del positions[:dropped]
            if self.cursor is not None:
                self.cursor = max(0, self.cursor - dropped)
        if self._scanned > end:  # the window shrank
            del positions[bisect.bisect_left(positions, end) :]
            self._scanned = end
        self._scanned = max(self._scanned, base)
        stop = min(end, self._scanned + SCAN_CHUNK)
        for pos in range(self._scanned, stop):
            frame = self.frame_log.get(pos)
            if frame is not None and self._matches(frame, pos):
                positions.append(pos)
        self._scanned = stop

    def _update_titles(self) -> None:
        mode = "following" if self.following else "paused · End follows"
        count = f"{len(self.positions):,}"
        backlog = len(self.frame_log) - self._scanned
        if backlog > 0:
            count += f" (filtering, {backlog:,} to go)"
        if not self.query_filter.empty:
            self.border_title = Text(f"Frames · filter: {shown(self.query_filter.describe())}")
        else:
            self.border_title = "Frames"
        note = f" · {self.exporter.note}" if self.exporter.note else ""
        self.border_subtitle = f"{count} frames · {mode}{note}"

    # --- export -----------------------------------------------------------
    def shown_before(self, end: int) -> Sequence[int] | None:
        """The positions the log shows before `end`, all of them (a copy); None while the
        filter has not scanned that far yet."""
        end = min(end, len(self.frame_log))  # a replay stepped back meanwhile
        if self._scanned < end:
            return None
        if isinstance(self.positions, range):
            return range(self.positions.start, min(end, self.positions.stop))
        return self.positions[: bisect.bisect_left(self.positions, end)]

    def rows_at(self, positions: Sequence[int]) -> list[ExportRow]:
        """The frames at these positions still in the window, an answer with its CALL's
        action as the log shows it."""
        log = self.frame_log
        rows = []
        for pos in positions:
            frame = log.get(pos)
            if frame is None:
                continue
            partner = log.partner(pos) if frame.is_ocpp and frame.kind is not Kind.CALL else None
            rows.append(ExportRow(frame, partner.action if partner is not None else ""))
        return rows

    # --- keys -------------------------------------------------------------
    def _move_to(self, index: int) -> None:
        if not self.positions:
            return
        index = max(0, min(len(self.positions) - 1, index))
        self.cursor = index
        self.following = index == len(self.positions) - 1
        if index < self.scroll_offset.y:
            self.scroll_to(y=index, animate=False, immediate=True)
        elif index >= self.scroll_offset.y + self.scrollable_content_region.height:
            self.scroll_to(
                y=index - self.scrollable_content_region.height + 1, animate=False, immediate=True
            )
        self._update_titles()
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        """Move the cursor up or down."""
        current = len(self.positions) - 1 if self.cursor is None else self.cursor
        self._move_to(current + delta)

    def action_page(self, direction: int) -> None:
        """Move the cursor a page."""
        current = len(self.positions) - 1 if self.cursor is None else self.cursor
        self._move_to(current + direction * max(1, self.scrollable_content_region.height - 1))

    def action_first(self) -> None:
        """Go to the oldest frame in the window."""
        self._move_to(0)

    def action_follow(self) -> None:
        """Go to the newest frame and keep following."""
        self.following = True
        self.sync()

    def action_export(self) -> None:
        """Write the frames shown, under the filter, to a .jsonl or .csv file."""
        self.exporter.ask(len(self.frame_log), len(self.positions), self.query_filter.describe())

    def action_inspect(self) -> None:
        """Open the inspector on the frame under the cursor."""
        if self.cursor is not None and self.positions:
            self.post_message(self.Inspect(self.positions[self.cursor]))

    def on_mouse_scroll_up(self) -> None:
        self.following = False
        self._update_titles()

    def on_click(self, event: object) -> None:
        y = getattr(event, "y", None)
        if isinstance(y, int):
            self._move_to(self.scroll_offset.y + y)

    # --- drawing ----------------------------------------------------------
    def _row(self, frame: Frame, pos: int) -> _Row:
        direction = "→ st" if frame.direction is Direction.OUT else "← st"
        if not frame.is_ocpp and frame.kind is not Kind.MALFORMED:
            direction = "  ··"
        return _Row(
            precise_time(frame.ts),
            shown(frame.station or "csms"),  # what a station sent, shown, never obeyed
            direction,
            KIND_LABELS[frame.kind],
            shown(frame_action(frame, pos, self.frame_log)),
            shown(frame_summary(frame)),
        )

    def _style_for(self, frame: Frame) -> Style:
        if frame.kind in (Kind.ERROR, Kind.MALFORMED, Kind.REFUSED):
            return self.get_component_rich_style("frame-log--error")
        if not frame.is_ocpp:
            return self.get_component_rich_style("frame-log--event")
        if frame.direction is Direction.OUT:
            return self.get_component_rich_style("frame-log--out")
        return self.get_component_rich_style("frame-log--in")

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if index >= len(self.positions):
            return Strip.blank(width, self.rich_style)
        pos = self.positions[index]
        selected = index == self.cursor
        key = (pos, width, selected)
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        frame = self.frame_log.get(pos)
        if frame is None:
            return Strip.blank(width, self.rich_style)
        row = self._row(frame, pos)
        base = self.rich_style
        dim = base + self.get_component_rich_style("frame-log--dim")
        action = action_width(width)
        accent = base + self._style_for(frame)
        segments = [
            Segment(f"{row.time} ", dim),
            Segment(f"{row.station[:14]:<14} ", base),
            Segment(f"{row.direction} ", dim),
            Segment(f"{row.kind:<7} ", accent),
            Segment(f"{row.action[:action]:<{action}} ", accent),
            Segment(row.summary, dim),
        ]
        strip = Strip(segments).crop_extend(0, width, base)
        if selected:
            strip = strip.apply_style(self.get_component_rich_style("frame-log--cursor"))
        self._cache[key] = strip
        return strip

    def notify_style_update(self) -> None:
        self._cache.clear()
        super().notify_style_update()
