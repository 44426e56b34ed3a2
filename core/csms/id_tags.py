"""Id tags: validation, the status a tag has now, CSV import / export, and the console's API.

Everything here but `IdTagBook` is pure. `IdTagBook` is what the console calls:
the TUI never touches TinyDB, it adds, blocks and deletes tags through it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime
from pathlib import Path

from ..clock import Clock, to_iso
from ..disk.files import write_atomic
from .store import IdTag, Store

MAX_TAG_LENGTH = 36  # a 2.x idToken is CiString36 (a 1.6 station takes up to 20)
STATUSES = ("Accepted", "Blocked", "Expired", "Invalid")
# 2.0.1 IdTokenEnumType and 2.1's additions; "" (any type) is what 1.6 tags have.
TOKEN_TYPES = (
    "Central",
    "DirectPayment",
    "eMAID",
    "EVCCID",
    "ISO14443",
    "ISO15693",
    "KeyCode",
    "Local",
    "MacAddress",
    "NoAuthorization",
    "VIN",
)
CSV_HEADER = ("id_tag", "status", "parent", "expiry", "type")
OLD_CSV_HEADER = CSV_HEADER[:4]  # files exported before token types: read all the same


class IdTagError(ValueError):
    """A tag, parent, expiry or file that cannot be used; `field` names the form field at fault."""

    def __init__(self, message: str, field: str = "tag") -> None:
        super().__init__(message)
        self.field = field


# --- validation -------------------------------------------------------------
def check_tag(text: str, field: str = "tag") -> str:
    """The tag as stored (surrounding blanks removed), or IdTagError saying what is wrong."""
    tag = text.strip()
    if not tag:
        raise IdTagError("an id tag cannot be empty", field)
    if len(tag) > MAX_TAG_LENGTH:
        raise IdTagError(f"at most {MAX_TAG_LENGTH} characters (OCPP 1.6 idTag)", field)
    if not tag.isprintable():
        raise IdTagError("only printable characters", field)
    if "," in tag:
        # Commas would make the exported CSV depend on quoting to read back.
        raise IdTagError("no commas", field)
    return tag


def parse_expiry(text: str) -> str | None:
    """An ISO-8601 date or date-time as a UTC OCPP timestamp; None when blank.

    A date alone means midnight UTC at its start; a time without an offset is UTC.
    """
    text = text.strip()
    if not text:
        return None
    try:
        if len(text) == 10:  # YYYY-MM-DD: fromisoformat would read it as naive local midnight
            moment = datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC)
        else:
            moment = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise IdTagError(
            f"not an ISO-8601 date or date-time: {text!r} (e.g. 2030-01-31 or 2030-01-31T18:00Z)",
            "expiry",
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return to_iso(moment.timestamp())


def check_token_type(text: str) -> str:
    """One of TOKEN_TYPES (any case), or "" for a tag of any type."""
    wanted = text.strip().lower()
    if not wanted:
        return ""
    for token_type in TOKEN_TYPES:
        if token_type.lower() == wanted:
            return token_type
    raise IdTagError(f"type must be one of {', '.join(TOKEN_TYPES)}, or blank", "type")


def check_status(text: str) -> str:
    """One of STATUSES (any case); blank means Accepted."""
    wanted = text.strip().lower() or "accepted"
    for status in STATUSES:
        if status.lower() == wanted:
            return status
    raise IdTagError(f"status must be one of {', '.join(STATUSES)}, not {text!r}", "status")


def effective_status(tag: IdTag | None, now: float, parent: IdTag | None = None) -> str:
    """What Authorize answers for `tag` at `now`.

    Unknown is Invalid. A stored status other than Accepted stands. A tag whose
    parent is Blocked is Blocked (one level: a group block, not a chain walk).
    An Accepted tag at or past its expiry is Expired.
    """
    if tag is None:
        return "Invalid"
    if tag.status != "Accepted":
        return tag.status
    if parent is not None and parent.status == "Blocked":
        return "Blocked"
    if tag.expiry is None:
        return "Accepted"
    try:
        expiry = datetime.fromisoformat(tag.expiry.replace("z", "Z"))
    except ValueError:
        return "Invalid"  # a stored expiry nobody can read: refuse rather than charge forever
    if expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)
    return "Expired" if expiry.timestamp() <= now else "Accepted"


# --- CSV --------------------------------------------------------------------
@dataclass(slots=True)
class CsvReport:
    """What an import did: tags read, and the rows skipped with their line numbers."""

    tags: list[IdTag] = field(default_factory=list)
    errors: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> str:
        """One line for a notification."""
        text = f"{len(self.tags)} tags imported"
        if self.errors:
            text += f", {len(self.errors)} rows skipped"
        return text


def read_csv(text: str) -> CsvReport:
    """Tags from CSV text with the header `id_tag,status,parent,expiry`.

    A bad row is reported with its line number and skipped; the rest still
    count. A file without the header is refused whole (IdTagError): its columns
    could mean anything.
    """
    report = CsvReport()
    reader = csv.reader(io.StringIO(text))
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise IdTagError(f"not a CSV file: {exc}", "path") from None
    names = tuple(h.strip().lower() for h in header) if header is not None else ()
    if names not in (CSV_HEADER, OLD_CSV_HEADER):
        raise IdTagError(f"the first line must be the header {','.join(CSV_HEADER)}", "path")
    seen: dict[str, int] = {}
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report.errors.append((reader.line_num, str(exc)))
            continue
        line = reader.line_num
        if not any(cell.strip() for cell in row):
            continue  # blank lines are not rows
        if len(row) > len(names):
            report.errors.append((line, f"{len(row)} columns, expected at most {len(names)}"))
            continue
        tag_text, status, parent, expiry, token_type = [*row, "", "", "", ""][:5]
        try:
            tag = IdTag(
                check_tag(tag_text),
                check_status(status),
                check_tag(parent, "parent") if parent.strip() else None,
                parse_expiry(expiry),
                check_token_type(token_type),
            )
        except IdTagError as exc:
            report.errors.append((line, f"{exc.field}: {exc}"))
            continue
        if tag.tag in seen:
            report.errors.append((line, f"{tag.tag} already on line {seen[tag.tag]}"))
            continue
        seen[tag.tag] = line
        report.tags.append(tag)
    return report


def write_csv(tags: Iterable[IdTag]) -> str:
    """CSV text of `tags` sorted by tag, header first; `read_csv` reads it back."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_HEADER)
    for tag in sorted(tags, key=lambda t: t.tag):
        writer.writerow([tag.tag, tag.status, tag.parent or "", tag.expiry or "", tag.token_type])
    return out.getvalue()


# --- the console's API -------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TagView:
    """A tag as the console lists it: stored, and what Authorize would answer now."""

    tag: IdTag
    effective: str


class IdTagBook:
    """Add, block, unblock, expire, delete, import and export id tags in the store."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def status_of(self, tag: IdTag) -> str:
        """The effective status of a stored tag now."""
        parent = self.store.id_tag(tag.parent) if tag.parent else None
        return effective_status(tag, self.clock.now(), parent)

    def entries(self) -> list[TagView]:
        """Every tag, sorted, with its effective status now."""
        return [
            TagView(tag, self.status_of(tag))
            for tag in sorted(self.store.id_tags(), key=lambda t: t.tag)
        ]

    def add(self, tag: str, parent: str = "", expiry: str = "", token_type: str = "") -> IdTag:
        """A new Accepted tag; IdTagError (naming the field) when any field is wrong."""
        name = check_tag(tag)
        if self.store.id_tag(name) is not None:
            raise IdTagError(f"{name} is already known", "tag")
        parent_name = check_tag(parent, "parent") if parent.strip() else None
        if parent_name == name:
            raise IdTagError("a tag cannot be its own parent", "parent")
        made = IdTag(
            name, "Accepted", parent_name, parse_expiry(expiry), check_token_type(token_type)
        )
        self.store.put_id_tag(made)
        return made

    def _get(self, tag: str) -> IdTag:
        found = self.store.id_tag(tag)
        if found is None:
            raise IdTagError(f"unknown id tag {tag!r}")
        return found

    def block(self, tag: str) -> IdTag:
        """Mark a tag Blocked."""
        return self._set(replace(self._get(tag), status="Blocked"))

    def unblock(self, tag: str) -> IdTag:
        """Mark a tag Accepted again (an expiry still applies)."""
        return self._set(replace(self._get(tag), status="Accepted"))

    def expire(self, tag: str) -> IdTag:
        """Set a tag's expiry to now, so it is Expired from here on."""
        return self._set(replace(self._get(tag), expiry=to_iso(self.clock.now())))

    def delete(self, tag: str) -> None:
        """Forget a tag; Authorize then answers as for any unknown tag."""
        if not self.store.delete_id_tag(tag):
            raise IdTagError(f"unknown id tag {tag!r}")

    def _set(self, tag: IdTag) -> IdTag:
        self.store.put_id_tag(tag)
        return tag

    def import_csv(self, path: Path) -> CsvReport:
        """Add or replace the tags of a CSV file; bad rows are reported, not fatal."""
        try:
            text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets write a BOM
        except (OSError, UnicodeDecodeError) as exc:
            raise IdTagError(f"cannot read {path}: {exc}", "path") from None
        report = read_csv(text)
        self.store.put_id_tags(report.tags)
        return report

    def export_csv(self, path: Path) -> int:
        """Write every tag to `path` (atomically); the number written."""
        tags = list(self.store.id_tags())
        try:
            write_atomic(path, write_csv(tags).encode())
        except OSError as exc:
            raise IdTagError(f"cannot write {path}: {exc}", "path") from None
        return len(tags)
