"""Station templates: realistic station models kept as TOML files, one per model.

A template holds what a scenario's `[[stations]]` entry may say except its id:
`protocol`, `vendor`, `model`, `connectors`, a `[meter]` table (`start_wh`,
`interval`) and a `[quirks]` table; `description` says what it models. A station
names one by `template = "NAME"` (sample_data/templates/NAME.toml, or a
`templates/` folder beside the scenario) or by a path ending in `.toml`, relative
to the scenario; what the station writes itself wins over the template.
"""

from __future__ import annotations

from pathlib import Path

from ...sample_data import sample_path

TEMPLATE_DIR = sample_path("templates")


def template_path(name: str, scenario: Path) -> Path | None:
    """The template file `name` refers to from `scenario`; None when there is none."""
    if name.endswith(".toml"):
        found = (scenario.parent / name).resolve()
        return found if found.is_file() else None
    if not name.replace("-", "").replace("_", "").isalnum():
        return None  # a name, never a path in disguise
    for folder in (scenario.parent / "templates", TEMPLATE_DIR):
        candidate = folder / f"{name}.toml"
        if candidate.is_file():
            return candidate
    return None


def shipped_templates() -> list[str]:
    """The names of the templates that ship with ocppdeck."""
    return sorted(p.stem for p in TEMPLATE_DIR.glob("*.toml"))
