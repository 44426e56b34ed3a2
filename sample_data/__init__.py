"""Recordings and event logs shipped with ocppdeck; see README.md beside this file."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path


def sample_path(name: str) -> Path:
    """The path of a shipped sample file."""
    return Path(str(files(__name__).joinpath(name)))
