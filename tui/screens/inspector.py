"""Inspector: one frame in full, its request joined to its answer, and the round trip."""

from __future__ import annotations

import orjson
from rich.console import Group
from rich.syntax import Syntax
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Footer, Static

from ...core.wire.codec import to_wire
from ...core.wire.frame import Frame, Kind
from ...core.wire.frame_log import FrameWindow
from ..formatting import full_time
from ..station_text import shown, shown_lines, station_text


def _json(value: object) -> Syntax:
    text = shown_lines(orjson.dumps(value, option=orjson.OPT_INDENT_2).decode())
    return Syntax(text, "json", theme="ansi_dark", word_wrap=True, background_color=None)


def _describe(frame: Frame, title: str) -> Group:
    direction = "CSMS → station" if frame.direction.value == "out" else "station → CSMS"
    head = Text.assemble(
        (f"{title}\n", "bold"),
        ("kind ", "dim"),
        f"{frame.kind.value}   ",
        ("direction ", "dim"),
        f"{direction}\n",
        ("time ", "dim"),
        f"{full_time(frame.ts)}   ",
        ("seq ", "dim"),
        f"{frame.seq}\n",
    )
    if frame.kind is Kind.ERROR:
        head.append("error ", "dim")
        head.append(shown(f"{frame.action}: {frame.text}") + "\n", "bold red")
    wire = to_wire(frame)
    if wire is not None:
        return Group(head, _json(wire))
    if frame.kind is Kind.MALFORMED or frame.kind is Kind.AUTOMATION:  # the payload says more
        return Group(head, station_text(frame.text), _json(frame.payload))
    return Group(head, station_text(frame.text or "(no payload)"))


def inspect_text(frame: Frame, partner: Frame | None) -> Group:
    """The inspector's content: header, request, answer, round-trip time."""
    call, answer = (frame, partner) if frame.kind is Kind.CALL else (partner, frame)
    if not frame.is_ocpp:
        call, answer = frame, None
    header = Text.assemble(
        ("station ", "dim"),
        (shown(frame.station or "csms"), "bold"),
        ("   message id ", "dim"),
        shown(frame.unique_id or "—"),
        ("   protocol ", "dim"),
        shown(frame.protocol or "—"),
        "\n",
    )
    parts: list[object] = [header]
    if call is not None and answer is not None:
        rtt = (answer.ts - call.ts) * 1000
        header.append("round trip ", "dim")
        header.append(f"{rtt:,.1f} ms\n", "bold")
    if call is not None:
        title = f"Request · {shown(call.action)}" if call.is_ocpp else "Event"
        parts.append(_describe(call, title))
    elif frame.is_ocpp:
        parts.append(Text("Request not in the log window\n", style="dim"))
    if answer is not None:
        parts.append(Text(""))
        parts.append(_describe(answer, "Answer"))
    elif frame.kind is Kind.CALL:
        parts.append(Text("\nNo answer yet", style="yellow"))
    return Group(*parts)  # type: ignore[arg-type]


class InspectorScreen(ModalScreen[None]):
    """Pretty JSON of a frame and its partner, with the round-trip time."""

    BINDINGS = [
        Binding("escape,q,enter", "dismiss", "Close"),
        Binding("up,k", "scroll(-1)", "Scroll", show=False),
        Binding("down,j", "scroll(1)", "Scroll", show=False),
    ]

    def __init__(self, position: int, log: FrameWindow) -> None:
        super().__init__()
        self.position = position
        self.frame_log = log

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="inspector") as body:
            body.border_title = "Inspector"
            frame = self.frame_log.get(self.position)
            content = (
                inspect_text(frame, self.frame_log.partner(self.position))
                if frame is not None
                else Text("This frame has left the log window.", style="dim")
            )
            yield Static(content, id="inspector-body")
        yield Footer()

    def action_scroll(self, delta: int) -> None:
        """Scroll the body."""
        self.query_one("#inspector", VerticalScroll).scroll_relative(y=delta, animate=False)
