"""Text that came from a station (or a file), made safe to show: never markup, never a
terminal escape.

Ids, vendors, id tags, configuration values, error info and DataTransfer text
are a station's to choose. On screen they are plain text (a `rich.text.Text`,
which Textual does not parse for markup), with control characters, ANSI
escapes and bidirectional overrides shown as escapes (`\\x1b`, `\\u202e`), so
they can neither restyle nor reorder the console. Pure.
"""

from __future__ import annotations

from rich.text import Text

# Bidirectional formatting characters: they would reorder what follows them on screen.
_BIDI = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def shown(value: object) -> str:
    """`value` as a string whose unprintable and bidi control characters are escapes."""
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():  # the usual case, and a fast one
        return text
    return "".join(
        _escape(char) if (not char.isprintable() and char != " ") or char in _BIDI else char
        for char in text
    )


def shown_lines(text: str) -> str:
    """Like `shown`, line by line: the line breaks of a document (pretty JSON) stay."""
    return "\n".join(shown(line) for line in text.split("\n"))


def station_text(value: object, style: str = "") -> Text:
    """Station text as a Text, safe in any widget and any title."""
    return Text(shown(value), style=style)
