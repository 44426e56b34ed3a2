"""The console's smart-charging forms: a profile editor, and the schedule questions.

The profile editor asks for a profile's purpose, EVSE, periods (`START:LIMIT` pairs), unit,
phases, stack level, recurrency, duration and validity. Before it sends, the plan is
built in the station's version and checked against that version's schema: a field the
schema refuses is named under the form's field it came from, and nothing is sent.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..core.csms.builders.charging_profile import RECURRENCIES, ProfilePlan, parse_periods
from ..core.csms.builders.contract import CommandUnavailable
from ..core.csms.commands import Commands
from ..core.csms.outbound_queue import QueuedCall
from ..core.model.charging_schedule import Purpose
from .screens.command_form import Check, Field, whole_number

NOT_RECURRING = "none"
ANY = "any"
# What each schedule question does (the `what` field of `schedule_fields`).
COMPOSITE, HELD, CLEAR = "Composite schedule", "Profiles held (2.x)", "Clear profiles"
# The payload's words, newest in a schema error's path first, to the editor's fields.
FIELD_OF = {
    "numberPhases": "phases",
    "chargingSchedulePeriod": "periods",
    "chargingRateUnit": "unit",
    "duration": "duration",
    "stackLevel": "stack_level",
    "recurrencyKind": "recurrency",
    "validFrom": "valid_minutes",
    "validTo": "valid_minutes",
    "transactionId": "transaction",
    "connectorId": "connector",
    "evseId": "connector",
    "chargingProfilePurpose": "purpose",
}


def _optional(parse: Callable[[str], Any]) -> Callable[[str], Any]:
    """Blank is None; anything else is parsed."""
    return lambda text: None if not text.strip() else parse(text)


def _phases(text: str) -> int:
    number = whole_number(1)(text)
    if number > 3:
        raise ValueError("1, 2 or 3")
    return number


def profile_fields(evse: int, transaction: str) -> list[Field]:
    """The editor's fields; `transaction`: the one open on the EVSE (a TxProfile's)."""
    return [
        Field("purpose", "Purpose:", Purpose.TX_DEFAULT.value, tuple(p.value for p in Purpose)),
        Field(
            "connector", "Connector (2.x: EVSE; 0 = the station):", str(evse), (), whole_number(0)
        ),
        Field("periods", "Periods, START:LIMIT seconds into it (0:16, 1800:8):", "0:16"),
        Field("unit", "Unit:", "A", ("A", "W")),
        Field("phases", "Phases (blank: 3):", "", (), _optional(_phases)),
        Field("stack_level", "Stack level:", "0", (), whole_number(0)),
        Field("recurrency", "Repeats:", NOT_RECURRING, (NOT_RECURRING, *RECURRENCIES[1:])),
        Field("duration", "Lasts seconds (blank: no end):", "", (), _optional(whole_number(1))),
        Field(
            "valid_minutes", "Valid minutes (blank: always):", "", (), _optional(whole_number(1))
        ),
        Field("transaction", "Transaction (TxProfile):", transaction),
    ]


def plan_of(values: dict[str, Any], commands: Commands) -> ProfilePlan:
    """The editor's values as a plan starting now; ValueError for unreadable periods."""
    minutes = values["valid_minutes"]
    recurrency = values["recurrency"]
    return ProfilePlan(
        0,
        values["connector"],
        Purpose(values["purpose"]),
        values["stack_level"],
        values["unit"],
        parse_periods(values["periods"], values["phases"]),
        commands.timestamp(),
        values["duration"],
        "" if recurrency == NOT_RECURRING else recurrency,
        valid_to="" if minutes is None else commands.timestamp(minutes * 60),
        transaction_id=values["transaction"] if values["purpose"] == Purpose.TX else "",
    )


def _field_of(path: str) -> str:
    """The editor's field a schema error's path (`a.b[0].limit`) is about."""
    words = path.replace("[", ".").replace("]", "").split(".")
    return next((FIELD_OF[w] for w in reversed(words) if w in FIELD_OF), "periods")


def profile_check(commands: Commands, station_id: str) -> Check:
    """The editor's check: the plan as the station's version would send it."""

    def check(values: dict[str, Any]) -> dict[str, str]:
        try:
            plan = plan_of(values, commands)
            problems = commands.profile_problems(station_id, plan)
        except ValueError as exc:
            return {"periods": str(exc)}
        except CommandUnavailable as exc:
            return {"connector": str(exc)}
        found: dict[str, str] = {}
        for problem in problems:
            found.setdefault(_field_of(problem.path), str(problem))
        return found

    return check


def schedule_fields(evse: int) -> list[Field]:
    """What to ask about a station's profiles, and of which EVSE."""
    return [
        Field("what", "Ask:", COMPOSITE, (COMPOSITE, HELD, CLEAR)),
        Field(
            "connector", "Connector (2.x: EVSE; 0 = the station):", str(evse), (), whole_number(0)
        ),
        Field("duration", "Composite over seconds:", "3600", (), whole_number(1)),
        Field("unit", "Composite in:", "W", ("W", "A")),
        Field("profile", "Clear profile id (blank: by EVSE):", "", (), _optional(whole_number(1))),
        Field("purpose", "Clear purpose:", ANY, (ANY, *(p.value for p in Purpose))),
    ]


def ask_schedule(values: dict[str, Any], commands: Commands, station_id: str) -> QueuedCall:
    """Queue what the schedule form asks."""
    evse = values["connector"]
    if values["what"] == COMPOSITE:
        return commands.composite_schedule(station_id, evse, values["duration"], values["unit"])
    if values["what"] == HELD:
        return commands.charging_profiles(station_id, evse or None)
    profile, word = values["profile"], values["purpose"]
    purpose = None if word == ANY else Purpose(word)
    # By id alone, or by EVSE (and purpose).
    return commands.clear_profiles(station_id, profile, None if profile else evse, purpose)
