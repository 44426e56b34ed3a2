"""The demo fleet is made of the shipped templates: each station is a realistic model with
its firmware and its quirks on the wire, and the console shows which one it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.demo import DemoRun
from ocppdeck.core.dialects import DEMO_MIX
from ocppdeck.core.model.state import State, StationState
from ocppdeck.core.scenario.fleet_models import shipped_models
from ocppdeck.core.sim.fleet import fleet_specs
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.tui.widgets.stations_table import COLUMNS, station_row
from tests.helpers.engine import frames_of, make_settings, wait_for

ENERGY = "Energy.Active.Import.Register"


def test_a_fleet_of_five_shows_every_template_each_on_a_version_it_speaks() -> None:
    models = {m.template: m for m in shipped_models()}
    specs = fleet_specs(5, seed=7, protocols=DEMO_MIX, models=list(models.values()))
    assert specs == fleet_specs(5, seed=7, protocols=DEMO_MIX, models=list(models.values()))
    assert sorted(s.template or "" for s in specs) == sorted(models)  # none repeats yet
    for spec in specs:
        model = models[spec.template or ""]
        assert spec.protocol == model.protocol
        assert (spec.vendor, spec.model, spec.connectors) == (
            model.vendor,
            model.model,
            model.connectors,
        )
        assert (spec.firmware, spec.quirks) == (model.firmware, model.quirks)
    # A version no template speaks natively still gets templated stations.
    (only,) = fleet_specs(1, seed=7, protocols=("ocpp2.1",), models=list(models.values()))
    assert only.template in models and only.protocol == "ocpp2.1"


def _energy_samples(payload: dict) -> list[dict]:
    readings = payload.get("meterValue") or []
    return [s for r in readings for s in r["sampledValue"] if s.get("measurand") == ENERGY]


def _unit(sample: dict) -> str | None:
    return sample.get("unit") or (sample.get("unitOfMeasure") or {}).get("unit")


@pytest.mark.timeout(60)
async def test_the_demo_stations_boot_as_their_templates_with_their_quirks(
    tmp_path: Path,
) -> None:
    settings = make_settings(tmp_path, stations=5, seed=7, speed=40.0, meter_interval=2.0)
    demo = DemoRun(settings)
    specs = {s.station_id: s for s in fleet_specs(5, 7, settings.protocols, shipped_models())}
    by_template = {s.template: s.station_id for s in specs.values()}
    await demo.start()
    try:
        state = demo.state

        def reading(station_id: str) -> list[dict]:
            return [
                s
                for f in frames_of(demo, station_id)
                if f.kind is Kind.CALL and f.direction is Direction.IN
                for s in _energy_samples(f.payload or {})
            ]

        await wait_for(lambda: len(state.stations) == 5, timeout=15)
        kwh, per_phase = by_template["voltaris-vx22"], by_template["ampere-works-hc150"]
        await wait_for(lambda: reading(kwh) and reading(per_phase), timeout=40)

        def metered(station_id: str) -> bool:
            evses = state.stations[station_id].evses.values()
            return any(e.energy_wh is not None for e in evses)

        # The per-phase meter counts as the sum of its phases: its energy is read.
        await wait_for(lambda: metered(per_phase), timeout=15)
        stations = dict(state.stations)
        kwh_samples, phase_samples = reading(kwh), reading(per_phase)
    finally:
        await demo.close()
    for station_id, spec in specs.items():
        booted = stations[station_id]
        assert (booted.vendor, booted.model, booted.firmware) == (
            spec.vendor,
            spec.model,
            spec.firmware,
        )
    assert {_unit(s) for s in kwh_samples} == {"kWh"}
    assert {s.get("phase") for s in phase_samples} == {"L1", "L2", "L3"}


def test_the_stations_table_shows_the_firmware_as_text_never_markup() -> None:
    state = State()
    station = StationState("SIM-9", vendor="Homely", model="Nest 7", firmware="[b]1.19\x1b[2J")
    row = station_row(state, station)
    labels = [c.label for c in COLUMNS]
    firmware = row[labels.index("Firmware")]
    assert not isinstance(firmware, str)
    assert firmware.plain == "[b]1.19\\x1b[2J"  # the brackets kept, the escape shown
