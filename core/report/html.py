"""A report as one self-contained HTML page: the summary, three inline-SVG charts and
the tables of the JSON document, row for row. Pure.

The page fetches nothing: no script, no external stylesheet, font or image; its
Content-Security-Policy forbids all of them, so even text that slipped through
unescaped could neither run nor call out. Every string from a station is escaped.
"""

from __future__ import annotations

import re
from html import escape
from typing import Any

from .build import Report
from .svg_charts import energy_per_day, faults_over_time, sessions_per_station
from .tables import COLUMNS, Row, document

# Each table's heading.
_HEADINGS = {
    "sessions": "Sessions",
    "sessionsByStation": "Sessions per station",
    "sessionsByDay": "Sessions per day",
    "faults": "Faults",
    "compliance": "Compliance",
    "connections": "Connection health",
    "connectionEpisodes": "Connection episodes",
}
# A column key's unit suffix, as its heading shows it.
_UNITS = {"Kwh": "kWh", "Kw": "kW", "S": "s"}
_SHORT_CHARS = 32  # text up to this long stays on one line in its cell
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])")

_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"

_STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #1d2430; background: #fff; }
h1 { font-size: 1.5em; margin: 0 0 .3em; }
h2 { font-size: 1.15em; margin: 1.6em 0 .4em; border-bottom: 1px solid #d5dbe3; }
.source { color: #556; margin: 0 0 1em; overflow-wrap: anywhere; }
.empty, .left-off { background: #fff4d6; border-left: 4px solid #e0a400; padding: .4em .8em; }
dl.summary { display: grid; grid-template-columns: max-content auto; gap: .15em 1.2em; }
dl.summary dt { color: #556; }
dl.summary dd { margin: 0; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 1.5em; }
figure { margin: 0; max-width: 100%; overflow-x: auto; }
figcaption { font-weight: 600; margin-bottom: .3em; }
svg.chart { display: block; }
svg .bar { fill: #2f6db5; }
svg .bar:hover { fill: #e07a00; }
svg .axis { stroke: #1d2430; stroke-width: 1; }
svg .grid { stroke: #d5dbe3; stroke-width: 1; }
svg .label { fill: #556; font-size: 11px; }
div.scroll { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: .3em 0; font-size: 12px; }
th, td { border: 1px solid #d5dbe3; padding: .15em .4em; text-align: left;
         vertical-align: top; }
th { background: #eef2f7; font-weight: 600; white-space: nowrap; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.short { white-space: nowrap; }
td.long { min-width: 12em; max-width: 40em; overflow-wrap: anywhere; }
tbody tr:nth-child(even) { background: #f7f9fb; }
p.none { color: #778; font-style: italic; }
"""


def render_html(report: Report, source: Row) -> str:
    """The whole page of `report`; `source` is what was read, as the JSON has it."""
    doc = document(report, source)
    charts = (
        energy_per_day(report.by_day),
        sessions_per_station(report.by_station),
        faults_over_time(report.faults, report.first, report.last),
    )
    path = str(source.get("path", ""))
    body = [
        "<h1>ocppdeck report</h1>",
        f'<p class="source">{_text(path)} ({_text(source.get("format", ""))})</p>',
    ]
    if doc["empty"]:
        body.append(f'<p class="empty">Empty report: {_text(doc["note"])}.</p>')
    body.append(_summary(doc))
    body.append('<h2 id="charts">Charts</h2><div class="charts">')
    body.extend(
        f"<figure><figcaption>{_text(c.title)}</figcaption>{c.svg}</figure>" for c in charts
    )
    body.append("</div>")
    for name, rows in doc["tables"].items():
        body.append(_table(name, rows, doc["leftOff"].get(name, 0)))
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>ocppdeck report: {_text(path)}</title>"
        f"<style>{_STYLE}</style></head>\n<body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _summary(doc: dict[str, Any]) -> str:
    source, summary = doc["source"], doc["summary"]
    items = [
        ("From", doc["from"] or "none"),
        ("To", doc["to"] or "none"),
        ("Frames", f"{source.get('frames', 0):,}"),
        ("Lines skipped", f"{source.get('skipped', 0):,}"),
        ("Stations", f"{summary['stations']:,}"),
        ("Sessions", f"{summary['sessions']:,} ({summary['completedSessions']:,} completed)"),
        ("Energy delivered", f"{_cell(summary['energyKwh'])} kWh by completed sessions"),
        ("Faults", f"{summary['faults']:,}"),
        ("Compliance findings", f"{summary['complianceFindings']:,}"),
    ]
    left = {name: n for name, n in doc["leftOff"].items() if n}
    rows = "".join(f"<dt>{_text(k)}</dt><dd>{_text(v)}</dd>" for k, v in items)
    note = ""
    if left:
        tables = ", ".join(f"{_HEADINGS[k].lower()} {n:,}" for k, n in left.items())
        note = f'<p class="left-off">Rows past the per-station bound left off: {_text(tables)}.</p>'
    return f'<h2 id="summary">Summary</h2><dl class="summary">{rows}</dl>{note}'


def _table(name: str, rows: list[Row], left_off: int) -> str:
    columns = COLUMNS[name]
    head = "".join(f'<th title="{_text(c)}">{_text(_heading(c))}</th>' for c in columns)
    body = "".join("<tr>" + "".join(_td(row.get(c)) for c in columns) + "</tr>" for row in rows)
    parts = [
        f'<h2 id="{name}">{_text(_HEADINGS[name])} ({len(rows):,})</h2>',
        f'<div class="scroll"><table id="table-{name}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>",
    ]
    if not rows:
        parts.append('<p class="none">none</p>')
    if left_off:
        parts.append(
            f'<p class="left-off">{left_off:,} more rows past the per-station bound '
            "were left off.</p>"
        )
    return "\n".join(parts)


def _heading(column: str) -> str:
    """`peakPowerKw` -> `peak power (kW)`: a column key in words, its unit apart."""
    words = _WORD.findall(column)
    unit = _UNITS.get(words[-1]) if len(words) > 1 else None
    if unit is not None:
        words = words[:-1]
    text = " ".join(w.lower() for w in words)
    return f"{text} ({unit})" if unit else text


def _td(value: Any) -> str:
    """A cell: numbers right-aligned; short text on one line (a time or an id breaks at
    no hyphen), long text wrapped anywhere so one station's string cannot widen the page."""
    text = _cell(value)
    if isinstance(value, int | float) and not isinstance(value, bool):
        cls = "num"
    else:
        cls = "long" if len(text) > _SHORT_CHARS else "short"
    return f'<td class="{cls}">{_text(text)}</td>'


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def _text(value: Any) -> str:
    """Text safe in an element and in a quoted attribute."""
    return escape(str(value), quote=True)
