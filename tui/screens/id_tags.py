"""Id tags: list, add, block, unblock, expire, delete, import and export them as CSV.

The screen works through the core's `IdTagBook`; it never touches the store's
database. Its two small dialogs (the add form and the delete confirmation)
live here because nothing else uses them.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.notifications import SeverityLevel
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Footer, Input, Label, Static

from ...core.csms.id_tags import MAX_TAG_LENGTH, IdTagBook, IdTagError
from ...core.csms.store import IdTag
from ..station_text import station_text
from .prompt import PromptScreen

FIELDS = ("tag", "parent", "expiry", "type")
MAX_ERRORS_SHOWN = 5  # bad CSV rows listed in the notification; the rest are counted


class AddTagScreen(ModalScreen[IdTag | None]):
    """A form for a new tag; an error is shown under the field at fault."""

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, book: IdTagBook) -> None:
        super().__init__()
        self.book = book

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt") as box:
            box.border_title = "Add id tag"
            yield Label(
                f"Id tag (1 to {MAX_TAG_LENGTH} printable characters, no commas; a 1.6 "
                "station takes 20):"
            )
            yield Input(id="tag-tag", max_length=MAX_TAG_LENGTH)
            yield Label("", id="error-tag", classes="field-error")
            yield Label("Parent id tag (optional):")
            yield Input(id="tag-parent", max_length=MAX_TAG_LENGTH)
            yield Label("", id="error-parent", classes="field-error")
            yield Label("Expiry, UTC (optional; 2030-01-31 or 2030-01-31T18:00):")
            yield Input(id="tag-expiry")
            yield Label("", id="error-expiry", classes="field-error")
            yield Label("2.x token type (optional: ISO14443, eMAID, KeyCode…; blank is any):")
            yield Input(id="tag-type")
            yield Label("", id="error-type", classes="field-error")
            yield Label("Enter to add · Esc to cancel", classes="hint")
        yield Footer()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        values = {name: self.query_one(f"#tag-{name}", Input).value for name in FIELDS}
        for name in FIELDS:
            self.query_one(f"#error-{name}", Label).update("")
        try:
            added = self.book.add(values["tag"], values["parent"], values["expiry"], values["type"])
        except IdTagError as exc:
            self.query_one(f"#error-{exc.field}", Label).update(Text(str(exc)))
            self.query_one(f"#tag-{exc.field}", Input).focus()
            return
        self.dismiss(added)

    def action_cancel(self) -> None:
        """Close without adding."""
        self.dismiss(None)


class ConfirmScreen(ModalScreen[bool]):
    """A yes / no question."""

    BINDINGS = [
        Binding("y,enter", "answer(True)", "Yes"),
        Binding("n,escape", "answer(False)", "No"),
    ]

    def __init__(self, question: str | Text) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt") as box:
            box.border_title = "Confirm"
            yield Label(self.question)
            yield Label("y to confirm · n or Esc to keep it", classes="hint")
        yield Footer()

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


class IdTagsScreen(Screen[None]):
    """Every id tag with its stored and effective status, and keys to change them."""

    BINDINGS = [
        Binding("a", "add", "Add"),
        Binding("b", "block", "Block"),
        Binding("u", "unblock", "Unblock"),
        Binding("e", "expire", "Expire now"),
        Binding("d", "delete", "Delete"),
        Binding("m", "import_csv", "Import CSV"),
        Binding("x", "export_csv", "Export CSV"),
        Binding("escape", "dismiss", "Close"),
    ]

    def __init__(self, book: IdTagBook, default_csv: Path) -> None:
        super().__init__()
        self.book = book
        self.default_csv = default_csv

    def compose(self) -> ComposeResult:
        yield Static(id="id-tags-title")
        yield DataTable(id="id-tags", cursor_type="row", zebra_stripes=True)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns("Id tag", "Status", "Effective now", "Parent", "Expiry (UTC)", "Type")
        self.refresh_table()
        table.focus()

    def refresh_table(self, keep: str | None = None) -> None:
        """Redraw the rows from the store; the cursor stays on `keep` (or where it was)."""
        table = self.query_one(DataTable)
        keep = keep or self.selected
        views = self.book.entries()
        table.clear()
        for view in views:
            tag = view.tag
            # Tags come from files and stations: shown as text, never as markup.
            table.add_row(
                station_text(tag.tag),
                station_text(tag.status),
                station_text(view.effective, style="" if view.effective == tag.status else "bold"),
                station_text(tag.parent or ""),
                station_text(tag.expiry or ""),
                station_text(tag.token_type or "any"),
                key=tag.tag,
            )
        tags = [view.tag.tag for view in views]
        if keep in tags:
            table.move_cursor(row=tags.index(keep))
        self.query_one("#id-tags-title", Static).update(
            f"[b]Id tags[/b] · {len(views)} known · Authorize answers the effective status"
            if views
            else "[b]Id tags[/b] · none yet: press a to add one or m to import a CSV"
        )

    @property
    def selected(self) -> str | None:
        """The tag under the cursor, if any."""
        table = self.query_one(DataTable)
        if table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value

    def _say(
        self, message: str, title: str, severity: SeverityLevel = "information", timeout: float = 5
    ) -> None:
        # No markup: messages carry tags, paths and file contents typed by people.
        self.notify(message, title=title, severity=severity, timeout=timeout, markup=False)

    def _selected_or_warn(self) -> str | None:
        tag = self.selected
        if tag is None:
            self._say("No id tag selected: add one with a first.", "Id tags", "warning")
        return tag

    # --- actions ------------------------------------------------------------
    def action_add(self) -> None:
        """Open the form for a new tag."""

        def added(tag: IdTag | None) -> None:
            if tag is not None:
                self.refresh_table(keep=tag.tag)
                self._say(f"Added {tag.tag}.", "Id tags")

        self.app.push_screen(AddTagScreen(self.book), added)

    def _change(self, verb: str, change: str) -> None:
        tag = self._selected_or_warn()
        if tag is None:
            return
        try:
            getattr(self.book, change)(tag)
        except IdTagError as exc:
            self._say(str(exc), "Id tags", "error")
            return
        self.refresh_table(keep=tag)
        self._say(f"{verb} {tag}.", "Id tags")

    def action_block(self) -> None:
        """Block the selected tag."""
        self._change("Blocked", "block")

    def action_unblock(self) -> None:
        """Accept the selected tag again."""
        self._change("Unblocked", "unblock")

    def action_expire(self) -> None:
        """Make the selected tag expire now."""
        self._change("Expired", "expire")

    def action_delete(self) -> None:
        """Delete the selected tag, once confirmed."""
        tag = self._selected_or_warn()
        if tag is None:
            return

        def confirmed(yes: bool | None) -> None:
            if yes:
                self._change("Deleted", "delete")

        self.app.push_screen(ConfirmScreen(station_text(f"Delete id tag {tag}?")), confirmed)

    def _ask_path(self, title: str, label: str, enter: str, then: Callable[[Path], None]) -> None:
        def chosen(text: str | None) -> None:
            if text is None:
                return
            if not text.strip():
                self._say("No file given.", title, "error")
                return
            then(Path(text.strip()).expanduser())

        self.app.push_screen(PromptScreen(title, label, str(self.default_csv), enter=enter), chosen)

    def action_import_csv(self) -> None:
        """Ask for a CSV file and add or replace its tags."""

        def read(path: Path) -> None:
            try:
                report = self.book.import_csv(path)
            except IdTagError as exc:
                self._say(str(exc), "Import id tags", "error")
                return
            self.refresh_table()
            lines = [report.summary()]
            lines += [f"line {line}: {why}" for line, why in report.errors[:MAX_ERRORS_SHOWN]]
            if len(report.errors) > MAX_ERRORS_SHOWN:
                lines.append(f"… and {len(report.errors) - MAX_ERRORS_SHOWN} more")
            self._say(
                "\n".join(lines),
                "Import id tags",
                "warning" if report.errors else "information",
                timeout=15 if report.errors else 5,
            )

        self._ask_path("Import id tags", "CSV file (id_tag,status,parent,expiry):", "import", read)

    def action_export_csv(self) -> None:
        """Ask for a file name and write every tag to it as CSV."""

        def write(path: Path) -> None:
            try:
                count = self.book.export_csv(path)
            except IdTagError as exc:
                self._say(str(exc), "Export id tags", "error")
                return
            self._say(f"{count} tags written to {path}.", "Export id tags")

        self._ask_path("Export id tags", "CSV file to write:", "export", write)
