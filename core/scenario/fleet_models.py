"""The shipped templates (sample_data/templates) as the station models a demo fleet is
made of, so a demo shows the same makes, firmware and quirks a scenario can name."""

from __future__ import annotations

from ..sim.quirks import Quirks
from ..sim.spec import FIRMWARE, StationModel
from .problems import ScenarioRefused
from .stations import read_template
from .templates import TEMPLATE_DIR, shipped_templates


def shipped_models() -> list[StationModel]:
    """Every shipped template, by name; ScenarioRefused if one is broken (a packaging
    mistake: the files are checked by the tests)."""
    models = []
    for name in shipped_templates():
        described = read_template(TEMPLATE_DIR / f"{name}.toml")
        if described.problems:
            raise ScenarioRefused(described.problems)
        values = described.values
        models.append(
            StationModel(
                template=name,
                protocol=values["protocol"],
                vendor=values["vendor"],
                model=values["model"],
                connectors=values.get("connectors", 1),
                firmware=values.get("firmware", FIRMWARE),
                quirks=Quirks(**described.quirks),
            )
        )
    return models
