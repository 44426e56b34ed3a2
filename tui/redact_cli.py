"""`ocppdeck redact IN OUT`: a recording or a log made safe to share.

Reads any source `project` reads, twice (first to learn every identifying value,
then to write), and writes an ocppdeck recording, gzip when OUT ends in `.gz`.
What is replaced, and how, is core/disk/redact.py's. The key goes on stderr when
none was given, so that other files can be redacted the same way. OUT appears
whole or not at all: it is written beside itself and renamed when done.
"""

from __future__ import annotations

import argparse
import gzip
import os
import secrets
import sys
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

import orjson

from ..core.disk.formats import FORMATS, ImportReport, SourceError, read_frames, source_files
from ..core.disk.pseudonyms import Pseudonyms, Secret
from ..core.disk.redact import Redactor
from ..core.wire.codec import encode
from ..core.wire.frame import Frame

LISTED_SKIPS = 20
TOO_DEEP = "nested too deep to redact"


def add_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `redact` subcommand."""
    redact = sub.add_parser(
        "redact",
        help="replace id tags, serials, station ids, URLs, certificates and passwords "
        "with pseudonyms, keeping meter values and timings",
    )
    redact.add_argument("source", type=Path, help="a file (plain or gzip) or a data folder")
    redact.add_argument("out", type=Path, help="the redacted recording (gzip if it ends in .gz)")
    redact.add_argument(
        "--format", choices=FORMATS, help="the source's format (default: told from its content)"
    )
    redact.add_argument(
        "--key",
        help="the secret pseudonyms are made with; the same key renames the same values "
        "the same way in every file (default: a new random key, printed)",
    )


def run(args: argparse.Namespace) -> int:
    """Redact a source into OUT; 0 on success (skipped lines included), 2 if it cannot."""
    err = sys.stderr
    # Hex, not URL-safe base64: one key in 64 of those began with "-", which `--key KEY`
    # then took for an option, and the key printed could not be given back as printed.
    key = args.key or secrets.token_hex(18)
    redactor = Redactor(Pseudonyms(key))
    report = ImportReport()
    try:
        _check_apart(args.source, args.out)
        for frame in read_frames(args.source, args.format, ImportReport()):
            with suppress(RecursionError, orjson.JSONEncodeError):  # skipped below
                redactor.learn(frame)
        with _written(args.out) as out:
            frames = read_frames(args.source, args.format, report)
            out.writelines(_lines(frames, redactor, report))
    except (SourceError, OSError) as exc:
        print(f"ocppdeck: {_one_line(exc)}", file=err)
        return 2
    if not args.key:
        print(
            f"redaction key: {key} (give it as --key to redact other files the same way)", file=err
        )
    print(f"{args.source} ({report.format}): {report.summary()}", file=err)
    for file, line, reason in report.skipped[:LISTED_SKIPS]:
        print(f"  {file}:{line}: {reason}", file=err)
    replaced = "; ".join(
        f"{secret} {redactor.replaced[secret]:,}" for secret in Secret if redactor.replaced[secret]
    )
    print(f"redacted to {args.out}, replaced: {replaced or 'nothing identifying found'}", file=err)
    if redactor.mentions.overflow:
        print(
            f"  {redactor.mentions.overflow:,} values past the first "
            f"{len(redactor.mentions):,} were replaced in their fields but not searched "
            "for in free text",
            file=err,
        )
    return 0


def _lines(frames: Iterable[Frame], redactor: Redactor, report: ImportReport) -> Iterator[bytes]:
    """Recording lines of the redacted frames. A payload nested deeper than JSON writers
    go (which no OCPP message is) cannot be redacted or written: it is skipped."""
    for number, frame in enumerate(frames, 1):
        try:
            yield encode(redactor.redact(frame)) + b"\n"
        except (RecursionError, orjson.JSONEncodeError):
            report.skip(0, TOO_DEEP, f"frame {number:,}")


def _check_apart(source: Path, out: Path) -> None:
    """SourceError when OUT would overwrite a file of the source while it is read."""
    target = out.resolve()
    if any(file.resolve() == target for file in source_files(source)):
        raise SourceError(f"{out}: is the source itself; write the redacted copy elsewhere")


@contextmanager
def _written(path: Path) -> Iterator[BinaryIO]:
    """A stream to OUT, gzip when its name says so; it replaces OUT only once whole."""
    try:
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror, str(path)) from None
    try:
        with open(fd, "wb") as raw:
            if path.name.endswith(".gz"):
                # No name and no time in the header: the same input and key give the
                # same bytes.
                with gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as packed:
                    yield packed  # type: ignore[misc]
            else:
                yield raw
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.filename is not None:
        return f"{exc.filename}: {exc.strerror or exc}"
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
