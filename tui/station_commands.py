"""The operator's commands on a station or connector: each with its key, help line and form.

The console's bindings, its help and the command palette all read `STATION_COMMANDS`,
so a command is declared once. The core checks the values (`CommandUnavailable`)
and the `ocpp` library validates the payload; a form only parses what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from textual.binding import Binding

from ..core.csms.commands import Commands
from ..core.model.state import State
from .screens.command_form import (
    Check,
    CommandForm,
    Field,
    positive_number,
    required,
    whole_number,
)
from .screens.configuration import ConfigurationScreen
from .sending import Send
from .station_text import station_text


@dataclass(frozen=True, slots=True)
class Target:
    """The selected station and connector (0: none selected or none reported), and the means."""

    station_id: str
    connector_id: int
    commands: Commands
    send: Send  # queues a command and reports how it ended
    show: Callable[..., Any]  # the app's push_screen
    default_id_tag: str
    state: State  # what the console knows now (a form's defaults)


@dataclass(frozen=True, slots=True)
class ConsoleCommand:
    """One command: its key, what the help and palette say, and how it runs."""

    name: str
    key: str
    title: str
    help: str
    run: Callable[[Target], None]
    needs_connector: bool = False

    def binding(self) -> Binding:
        """The console's binding (off the footer: the footer keeps the most common keys)."""
        return Binding(self.key, f"station_command('{self.name}')", self.title, show=False)


def _form(
    target: Target,
    title: str,
    fields: list[Field],
    then: Callable[[Any], None],
    check: Check | None = None,
) -> None:
    """Ask for the fields, then run `then` with the parsed values (not when cancelled)."""

    def done(values: dict[str, Any] | None) -> None:
        if values is not None:
            then(values)

    target.show(CommandForm(station_text(f"{title} · {target.station_id}"), fields, check), done)


def _connector_field(target: Target, label: str) -> Field:
    return Field("connector", label, str(target.connector_id), parse=whole_number(0))


def _reset(t: Target) -> None:
    _form(
        t,
        "Reset",
        [Field("type", "Reset (2.x: Soft is OnIdle, Hard Immediate):", "Soft", ("Soft", "Hard"))],
        lambda v: t.send(
            lambda: t.commands.reset(t.station_id, hard=v["type"] == "Hard"),
            f"Reset {v['type']} {t.station_id}",
        ),
    )


def _unlock(t: Target) -> None:
    t.send(
        lambda: t.commands.unlock(t.station_id, t.connector_id),
        f"Unlock {t.station_id} #{t.connector_id}",
    )


def _availability(t: Target) -> None:
    def send(v: dict[str, Any]) -> None:
        t.send(
            lambda: t.commands.change_availability(
                t.station_id, v["connector"], v["state"] == "Operative"
            ),
            f"{v['state']} {t.station_id} #{v['connector']}",
        )

    _form(
        t,
        "Change availability",
        [
            Field("state", "Make it:", _other_availability(t), ("Operative", "Inoperative")),
            _connector_field(t, "Connector (2.x: EVSE; 0 = the whole station):"),
        ],
        send,
    )


def _other_availability(t: Target) -> str:
    """The change likely wanted: Operative for an unavailable connector (or station, with
    none selected), else Inoperative."""
    station = t.state.stations.get(t.station_id)
    evse = station.evses.get(t.connector_id) if station is not None else None
    status = evse.status if evse is not None else (station.status if station else "")
    return "Operative" if status == "Unavailable" else "Inoperative"


def _trigger(t: Target) -> None:
    def send(v: dict[str, Any]) -> None:
        custom = v.get("custom", "") if v["message"] == "CustomTrigger" else ""
        t.send(
            lambda: t.commands.trigger_message(
                t.station_id, v["message"], v["connector"] or None, custom
            ),
            f"Trigger {custom or v['message']} {t.station_id}",
        )

    def check(v: dict[str, Any]) -> dict[str, str]:
        if v["message"] == "CustomTrigger" and not v.get("custom"):
            return {"custom": "required for CustomTrigger"}
        return {}

    triggers = t.commands.triggers(t.station_id)
    fields = [
        Field("message", "Message:", "StatusNotification", triggers),
        _connector_field(t, "Connector (2.x: EVSE; 0 = none):"),
    ]
    if "CustomTrigger" in triggers:  # 2.1: a vendor's message, by name
        fields.append(Field("custom", "Custom trigger (for CustomTrigger only):"))
    _form(t, "Trigger message", fields, send, check)


def _clear_cache(t: Target) -> None:
    t.send(lambda: t.commands.clear_cache(t.station_id), f"Clear cache {t.station_id}")


def _data_transfer(t: Target) -> None:
    _form(
        t,
        "Data transfer",
        [
            Field("vendor", "Vendor id:", parse=required),
            Field("message", "Message id (optional):"),
            Field("data", "Data (optional):"),
        ],
        lambda v: t.send(
            lambda: t.commands.data_transfer(t.station_id, v["vendor"], v["message"], v["data"]),
            f"Data transfer {t.station_id}",
        ),
    )


def _configuration(t: Target) -> None:
    t.show(ConfigurationScreen(t.commands, t.station_id, t.send))


def _reserve(t: Target) -> None:
    def send(v: dict[str, Any]) -> None:
        t.send(
            lambda: t.commands.reserve_now(
                t.station_id, v["connector"], v["tag"], v["minutes"], v["reservation"]
            ),
            f"Reserve {t.station_id} #{v['connector']} (reservation {v['reservation']})",
        )

    _form(
        t,
        "Reserve now",
        [
            Field("tag", "Id tag:", t.default_id_tag, parse=required),
            _connector_field(t, "Connector (2.x: EVSE; 0 = any):"),
            Field("minutes", "Minutes until it expires:", "15", parse=whole_number(1)),
            Field("reservation", "Reservation id:", str(t.commands.new_id()), parse=whole_number()),
        ],
        send,
    )


def _cancel_reservation(t: Target) -> None:
    _form(
        t,
        "Cancel reservation",
        [Field("reservation", "Reservation id:", parse=whole_number())],
        lambda v: t.send(
            lambda: t.commands.cancel_reservation(t.station_id, v["reservation"]),
            f"Cancel reservation {v['reservation']} {t.station_id}",
        ),
    )


def _tags(text: str) -> list[str]:
    return [tag.strip() for tag in text.split(",") if tag.strip()]


def _send_local_list(t: Target) -> None:
    def send(v: dict[str, Any]) -> None:
        t.send(
            lambda: t.commands.send_local_list(
                t.station_id, v["version"], v["tags"], v["update"] == "Full"
            ),
            f"Local list v{v['version']} {t.station_id}",
        )

    _form(
        t,
        "Send local list",
        [
            Field("version", "List version:", "1", parse=whole_number(1)),
            Field("update", "Update:", "Full", ("Full", "Differential")),
            Field("tags", "Id tags, comma separated, all Accepted:", t.default_id_tag, parse=_tags),
        ],
        send,
    )


def _local_list_version(t: Target) -> None:
    t.send(
        lambda: t.commands.get_local_list_version(t.station_id),
        f"Local list version {t.station_id}",
    )


def _set_limit(t: Target) -> None:
    def send(v: dict[str, Any]) -> None:
        t.send(
            lambda: t.commands.set_charging_profile(
                t.station_id, v["connector"], v["limit"], v["unit"], v["duration"]
            ),
            f"Limit {v['limit']:g} {v['unit']} {t.station_id} #{v['connector']}",
        )

    _form(
        t,
        "Charging limit",
        [
            Field("limit", "Limit:", "16", parse=positive_number),
            Field("unit", "Unit:", "A", ("A", "W")),
            Field("duration", "For seconds:", "3600", parse=whole_number(1)),
            _connector_field(t, "Connector (2.x: EVSE; 0 = the station's maximum):"),
        ],
        send,
    )


def _clear_limit(t: Target) -> None:
    _form(
        t,
        "Clear charging limit",
        [_connector_field(t, "Connector (2.x: EVSE; 0 = the station's maximum):")],
        lambda v: t.send(
            lambda: t.commands.clear_charging_profile(t.station_id, v["connector"]),
            f"Clear limit {t.station_id} #{v['connector']}",
        ),
    )


STATION_COMMANDS: dict[str, ConsoleCommand] = {
    c.name: c
    for c in (
        ConsoleCommand("reset", "R", "Reset station", "Soft or hard restart", _reset),
        ConsoleCommand("unlock", "u", "Unlock connector", "Release the cable", _unlock, True),
        ConsoleCommand(
            "availability", "v", "Change availability", "Operative or inoperative", _availability
        ),
        ConsoleCommand("trigger", "t", "Trigger message", "Ask for a message now", _trigger),
        ConsoleCommand("clear_cache", "C", "Clear cache", "Empty the auth cache", _clear_cache),
        ConsoleCommand("data_transfer", "D", "Data transfer", "Vendor message", _data_transfer),
        ConsoleCommand(
            "configuration", "K", "Configuration", "List and change settings", _configuration
        ),
        ConsoleCommand("reserve", "b", "Reserve now", "Book a connector for a tag", _reserve),
        ConsoleCommand(
            "cancel_reservation", "B", "Cancel reservation", "By its id", _cancel_reservation
        ),
        ConsoleCommand(
            "send_local_list", "l", "Send local list", "Set the offline tag list", _send_local_list
        ),
        ConsoleCommand(
            "local_list_version",
            "L",
            "Local list version",
            "Which list version the station holds",
            _local_list_version,
        ),
        ConsoleCommand("set_limit", "m", "Set charging limit", "A or W for a duration", _set_limit),
        ConsoleCommand(
            "clear_limit", "M", "Clear charging limit", "Remove the limit", _clear_limit
        ),
    )
}


def station_bindings() -> list[Binding]:
    """Every station command's binding, for the console's BINDINGS."""
    return [c.binding() for c in STATION_COMMANDS.values()]
