"""How long a string field of an answer may be, read from the version's own schema, so an
answer made of what a third party sent (an OCSP responder, a certificate provider) is
refused by us rather than failing validation as a CallError."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from types import ModuleType


@cache
def longest(results: ModuleType, action: str, field: str) -> int:
    """The maxLength of `field` (camelCase) in `action`'s answer of this `call_result` module."""
    module_file = results.__file__
    assert module_file is not None
    schema_file = Path(module_file).parent / "schemas" / f"{action}Response.json"
    schema = json.loads(schema_file.read_text(encoding="utf-8"))
    return int(schema["properties"][field]["maxLength"])
