"""Small inline-SVG bar charts of a report: energy per day, sessions per station and
faults over time. Pure and deterministic: the same rows give the same bytes.

Every label and tooltip may hold a station's text, so all of it is escaped; the charts
carry no script, no link and no reference outside themselves. Colours come from the
page's stylesheet (classes `bar`, `axis`, `grid`, `label`).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from html import escape

from .faults import Fault
from .sessions import Totals

TOP_STATIONS = 10  # stations drawn one bar each; the rest share an "others" bar
MAX_TIME_BINS = 60  # bins of the faults chart, at most, whatever the span
LABEL_CHARS = 14  # an axis label longer than this is cut (the tooltip has it whole)

_PLOT_HEIGHT = 160
_LEFT, _RIGHT, _TOP, _BOTTOM = 72, 16, 16, 28
_MIN_PLOT_WIDTH = 400
_MIN_SLOT = 6  # pixels per bar slot, at least: many bars make the chart wider
_MAX_BAR = 48  # pixels a bar is wide, at most
_CHAR_WIDTH = 7.0  # pixels a character of an axis label takes, about
_LINE = 14  # pixels between two labels turned on their side

_MINUTE, _HOUR, _DAY = 60, 3600, 86_400
# Widths a time bin may have, smallest first: the first that fits the span is used.
_BIN_WIDTHS = (
    _MINUTE, 5 * _MINUTE, 15 * _MINUTE, _HOUR, 6 * _HOUR, _DAY, 7 * _DAY, 30 * _DAY,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class Chart:
    """A chart's title (its caption on the page) and its SVG element."""

    title: str
    svg: str


@dataclass(frozen=True, slots=True)
class Bar:
    """One bar: its slot on the x axis (0 first), its height in the chart's unit, and
    the tooltip it shows."""

    slot: int
    value: float
    tip: str


def bar_chart(
    chart_id: str,
    title: str,
    unit: str,
    slots: int,
    bars: Sequence[Bar],
    labels: Sequence[tuple[int, str]],
    counts: bool = False,
    every_label: bool = False,
) -> Chart:
    """An SVG bar chart of `slots` equal slots along x, `bars` standing in some of them,
    `labels` (slot, text) under the axis, and a y axis in `unit` from 0 to a round top
    (`counts`: whole numbers only on the axis). Labels that do not fit side by side are
    thinned out, or with `every_label` (each bar a different thing) turned aslant."""
    slot_w = max(_MIN_PLOT_WIDTH / max(slots, 1), _MIN_SLOT)
    plot_w = slot_w * max(slots, 1)
    names = [(slot, _cut(text)) for slot, text in labels]
    wide = max((len(text) for _, text in names), default=0) * _CHAR_WIDTH + 10
    aslant = every_label and wide > slot_w
    # Labels on their side need room below the axis: about sin(40°) of their length.
    below = _BOTTOM + (max(0.0, wide * 0.65 - _BOTTOM + 24) if aslant else 0.0)
    height = _TOP + _PLOT_HEIGHT + below
    # ... and the first one room on the left: about cos(40°) of its length.
    left = max(_LEFT, wide * 0.8 - slot_w / 2 + 4) if aslant else _LEFT
    width = left + plot_w + _RIGHT
    top = _round_up(max((b.value for b in bars if math.isfinite(b.value)), default=0.0))
    base = _TOP + _PLOT_HEIGHT
    parts = [
        f'<svg id="{escape(chart_id)}" class="chart" width="{width:.0f}" height="{height:.0f}" '
        f'viewBox="0 0 {width:.0f} {height:.0f}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title">',
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>',
    ]
    fractions = (0.0, 1.0) if counts and top % 2 else (0.0, 0.5, 1.0)
    for fraction in fractions:
        y = base - fraction * _PLOT_HEIGHT
        parts.append(
            f'<line class="grid" x1="{left}" y1="{y:.1f}" x2="{left + plot_w:.1f}" '
            f'y2="{y:.1f}"/><text class="label" x="{left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{_number(top * fraction)}</text>'
        )
    middle = _TOP + _PLOT_HEIGHT / 2
    parts.append(
        f'<text class="label" x="12" y="{middle:.1f}" text-anchor="middle" '
        f'transform="rotate(-90 12 {middle:.1f})">{escape(unit)}</text>'
    )
    bar_w = min(slot_w - 2 * min(2.0, slot_w / 4), _MAX_BAR)
    for bar in bars:
        h = bar.value / top * _PLOT_HEIGHT if math.isfinite(bar.value) and bar.value > 0 else 0.0
        if h:
            h = max(h, 1.0)  # a small value stays visible
        x = left + bar.slot * slot_w + (slot_w - bar_w) / 2
        parts.append(
            f'<rect class="bar" x="{x:.1f}" y="{base - h:.1f}" width="{bar_w:.1f}" '
            f'height="{h:.1f}"><title>{escape(bar.tip)}</title></rect>'
        )
    parts.append(
        f'<line class="axis" x1="{left}" y1="{base}" x2="{left + plot_w:.1f}" y2="{base}"/>'
    )
    if not bars:
        parts.append(
            f'<text class="label" x="{left + plot_w / 2:.1f}" y="{middle:.1f}" '
            'text-anchor="middle">none</text>'
        )
    every = max(1, math.ceil((_LINE if aslant else wide) / slot_w))
    for slot, text in names:
        if slot % every:
            continue
        x = left + (slot + 0.5) * slot_w
        if aslant:
            y = base + 12
            place = f'text-anchor="end" transform="rotate(-40 {x:.1f} {y})"'
        else:
            y, place = base + 16, 'text-anchor="middle"'
        parts.append(f'<text class="label" x="{x:.1f}" y="{y}" {place}>{escape(text)}</text>')
    parts.append("</svg>")
    return Chart(title, "".join(parts))


def energy_per_day(by_day: Sequence[Totals]) -> Chart:
    """Energy delivered by completed sessions, one bar per day that had sessions."""
    bars, labels = [], []
    for slot, day in enumerate(by_day):
        name = day.key or "unknown day"
        kwh = day.energy_wh / 1000.0
        tip = (
            f"{name}: {_number(kwh)} kWh by {day.completed} completed of {day.sessions} "
            f"sessions; {_number(day.energy_open_wh / 1000.0)} kWh in sessions not completed"
        )
        bars.append(Bar(slot, kwh, tip))
        labels.append((slot, name))
    return bar_chart("chart-energy", "Energy per day (kWh)", "kWh", len(bars), bars, labels)


def sessions_per_station(by_station: Sequence[Totals], top: int = TOP_STATIONS) -> Chart:
    """Sessions of the `top` busiest stations, one bar each, and one bar for the others."""
    ranked = sorted(by_station, key=lambda t: (-t.sessions, t.key))
    shown, rest = ranked[:top], ranked[top:]
    bars, labels = [], []
    for slot, t in enumerate(shown):
        tip = f"{t.key}: {t.sessions} sessions, {t.completed} completed"
        bars.append(Bar(slot, float(t.sessions), tip))
        labels.append((slot, t.key))
    if rest:
        count = sum(t.sessions for t in rest)
        slot = len(shown)
        bars.append(Bar(slot, float(count), f"{len(rest)} other stations: {count} sessions"))
        labels.append((slot, f"{len(rest)} others"))
    title = "Sessions per station"
    return bar_chart(
        "chart-sessions", title, "sessions", len(bars), bars, labels, counts=True, every_label=True
    )


def bin_width(span_s: float) -> int:
    """The width in seconds of a faults chart's time bins: the smallest of the usual
    widths that covers `span_s` in MAX_TIME_BINS bins, or whole days past those."""
    for width in _BIN_WIDTHS:
        if span_s < width * MAX_TIME_BINS:
            return width
    return _DAY * (math.floor(span_s / (_DAY * MAX_TIME_BINS)) + 1)


def faults_over_time(faults: Sequence[Fault], first: float | None, last: float | None) -> Chart:
    """Faults counted per time bin over the source's span (widened to the faults' own
    times, which a station's clock may put outside it); a bar per bin that has any."""
    times = [x.at for x in faults]
    ends = [t for t in (first, last) if t is not None] + times
    if not ends:
        return bar_chart("chart-faults", "Faults over time", "faults", 1, [], [], counts=True)
    width = bin_width(max(ends) - min(ends))
    start = math.floor(min(ends) / width) * width
    slots = int((max(ends) - start) // width) + 1
    counts = Counter(int((t - start) // width) for t in times)
    fmt = "%H:%M" if width < _DAY else "%Y-%m-%d"
    bars = [
        Bar(slot, float(n), f"{_when(start + slot * width, width)}: {n} faults")
        for slot, n in sorted(counts.items())
    ]
    labels = [(slot, _utc(start + slot * width, fmt)) for slot in range(slots)]
    title = f"Faults per {_width_name(width)} (UTC, from {_utc(start, '%Y-%m-%d %H:%M')})"
    return bar_chart("chart-faults", title, "faults", slots, bars, labels, counts=True)


def _when(at: float, width: int) -> str:
    if width < _DAY:
        return f"{_utc(at, '%Y-%m-%d %H:%M')} to {_utc(at + width, '%H:%M')} UTC"
    return f"{_utc(at, '%Y-%m-%d')} to {_utc(at + width, '%Y-%m-%d')}"


def _width_name(width: int) -> str:
    if width % _DAY == 0:
        return "day" if width == _DAY else f"{width // _DAY} days"
    if width % _HOUR == 0:
        return "hour" if width == _HOUR else f"{width // _HOUR} hours"
    return "minute" if width == _MINUTE else f"{width // _MINUTE} minutes"


def _utc(ts: float, fmt: str) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime(fmt)


def _round_up(value: float) -> float:
    """The y axis's top: 1, 2 or 5 times a power of ten, at least `value` (1 for none)."""
    if value <= 0:
        return 1.0
    power = 10.0 ** math.floor(math.log10(value))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= value)


def _number(value: float) -> str:
    if not math.isfinite(value) or abs(value) >= 1e9:
        return f"{value:.3g}"
    return f"{value:,.3f}".rstrip("0").rstrip(".")


def _cut(text: str) -> str:
    """A label cut in the middle: ids that share a prefix keep the ends that tell them apart."""
    if len(text) <= LABEL_CHARS:
        return text
    head = (LABEL_CHARS - 1) // 2
    return text[:head] + "…" + text[-(LABEL_CHARS - 1 - head) :]
