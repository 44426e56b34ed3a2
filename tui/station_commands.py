"""The operator's commands on a station or connector: each with its key, help line and form.

The console's bindings, its help and the command palette all read `STATION_COMMANDS`,
so a command is declared once. The core checks the values (`CommandUnavailable`)
and the `ocpp` library validates the payload; a form only parses what was typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from textual.binding import Binding

from ..core.csms.builders.contract import CommandUnavailable
from ..core.csms.builders.jobs import Retries
from ..core.csms.commands import MAX_CERTIFICATE, Commands
from ..core.csms.outbound_queue import QueuedCall
from ..core.files.desk import FileDesk
from ..core.model.state import State
from . import smart_charging_forms
from .screens.command_form import (
    Check,
    CommandForm,
    Field,
    positive_number,
    required,
    whole_number,
)
from .screens.configuration import ConfigurationScreen
from .screens.display_messages import DisplayMessagesScreen
from .screens.monitoring import MonitoringScreen
from .screens.profile_upgrade import ProfileUpgradeScreen
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
    files: FileDesk | None = None  # firmware and upload URLs (live: from the settings)


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
            Field("tags", "Id tags (kept ones), comma separated:", t.default_id_tag, parse=_tags),
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


FROM_URL = "(the URL below)"
THIS, SAME_MODEL, EVERY = "this station", "every station of its model", "every station"


def _addressed(t: Target, which: str) -> list[str]:
    """The stations a fleet command goes to: this one, those of its vendor and model, or all."""
    if which == THIS:
        return [t.station_id]
    stations = t.state.stations
    this = stations.get(t.station_id)
    if which == SAME_MODEL and this is not None:
        return sorted(
            s.station_id
            for s in stations.values()
            if (s.vendor, s.model) == (this.vendor, this.model)
        )
    return sorted(stations)


def _firmware(t: Target) -> None:
    files = t.files
    offered = files.offered() if files is not None else []

    def send(v: dict[str, Any]) -> None:
        wait = v["minutes"] * 60.0
        retries = Retries(v["retries"], v["interval"])
        chosen = v.get("file", FROM_URL)
        for sid in _addressed(t, v["to"]):

            def one(sid: str = sid) -> QueuedCall:
                location = v["location"]
                if chosen != FROM_URL and files is not None:
                    location = files.file_url(chosen, wait)  # each station its own URL
                certificate = _pem_file(v["certificate"]) if v["certificate"] else ""
                return t.commands.update_firmware(
                    sid, location, wait, retries, certificate, v["signature"]
                )

            t.send(one, f"Firmware update {sid}")

    def check(v: dict[str, Any]) -> dict[str, str]:
        if v.get("file", FROM_URL) == FROM_URL and not v["location"]:
            return {"location": "a URL, or pick a file above" if offered else "required"}
        if bool(v["certificate"]) != bool(v["signature"]):
            return {"signature": "a signed update needs the certificate and the signature"}
        return {}

    fields = [Field("file", "A file from the files dir:", FROM_URL, (FROM_URL, *offered))]
    _form(
        t,
        "Update firmware",
        [
            *(fields if offered else []),
            Field("location", "Firmware URL (http, https or ftp):"),
            Field("minutes", "Fetch it in minutes (0: now):", "0", parse=whole_number()),
            Field("retries", "Retries:", "1", parse=whole_number()),
            Field("interval", "Seconds between retries:", "60", parse=whole_number()),
            Field("certificate", "Signed update: the signing certificate's PEM file:"),
            Field("signature", "Signed update: the signature (base64):"),
            Field("to", "Send to:", THIS, (THIS, SAME_MODEL, EVERY)),
        ],
        send,
        check,
    )


def _get_log(t: Target) -> None:
    files = t.files
    try:  # ocppdeck's own one-time upload URL, when the API is on
        here = files.upload_url(t.station_id) if files is not None else ""
    except CommandUnavailable:
        here = ""

    def send(v: dict[str, Any]) -> None:
        t.send(
            lambda: t.commands.get_log(
                t.station_id,
                v["location"],
                v["log"],
                v["hours"],
                Retries(v["retries"], v["interval"]),
            ),
            f"{v['log']} {t.station_id}",
        )

    kinds = t.commands.log_types(t.station_id)
    _form(
        t,
        "Get log",
        [
            Field("log", "Log (Diagnostics: 1.6's GetDiagnostics):", kinds[0], kinds),
            Field(
                "location",
                "Upload to (ocppdeck's own URL when the API is on):",
                here,
                parse=required,
            ),
            Field("hours", "Of the last hours (0: all it holds):", "24", parse=whole_number()),
            Field("retries", "Retries:", "1", parse=whole_number()),
            Field("interval", "Seconds between retries:", "60", parse=whole_number()),
        ],
        send,
    )


SIGN, INSTALL, LIST, DELETE = "Sign (ask for a CSR)", "Install root", "List installed", "Delete"
ALL_TYPES = "(all types, 2.x)"


def _pem_file(path: str) -> str:
    """The text of a PEM file the operator named (CommandUnavailable when unreadable)."""
    try:
        with open(Path(path).expanduser(), encoding="ascii") as fh:
            return fh.read(MAX_CERTIFICATE + 1)
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandUnavailable(f"cannot read {path}: {exc}") from None


def _certificates(t: Target) -> None:
    sid = t.station_id

    def send(v: dict[str, Any]) -> None:
        action, kind, text = v["action"], v["type"], v["text"]
        if action == SIGN:
            t.send(lambda: t.commands.sign_certificate(sid), f"Sign certificate {sid}")
        elif action == INSTALL:
            t.send(
                lambda: t.commands.install_certificate(sid, kind, _pem_file(text)),
                f"Install {kind} {sid}",
            )
        elif action == LIST:
            wanted = "" if kind == ALL_TYPES else kind
            t.send(
                lambda: t.commands.installed_certificates(sid, wanted),
                f"Installed certificates {sid}",
            )
        else:
            t.send(lambda: t.commands.delete_certificate(sid, text), f"Delete certificate {sid}")

    def check(v: dict[str, Any]) -> dict[str, str]:
        if v["action"] in (INSTALL, DELETE) and not v["text"]:
            return {"text": f"required to {v['action'].lower()}"}
        if v["action"] == INSTALL and v["type"] == ALL_TYPES:
            return {"type": "install one type"}
        return {}

    types = t.commands.certificate_types(sid)
    _form(
        t,
        "Certificates",
        [
            Field("action", "Action:", LIST, (LIST, SIGN, INSTALL, DELETE)),
            Field("type", "Root certificate type (install, list):", types[0], (*types, ALL_TYPES)),
            Field("text", "Install: PEM file · Delete: ALGORITHM:NAMEHASH:KEYHASH:SERIAL"),
        ],
        send,
        check,
    )


def _upgrade(t: Target) -> None:
    t.show(ProfileUpgradeScreen(t.commands, t.station_id))


def _monitoring(t: Target) -> None:
    sid = t.station_id
    if t.commands.reported_settings(sid) is not None:  # a device model: 2.x
        t.show(MonitoringScreen(t.commands, sid, t.send))
    else:  # the command's refusal says why (1.6 has no monitoring)
        t.send(lambda: t.commands.get_monitoring_report(sid), f"Monitoring {sid}")


def _display_messages(t: Target) -> None:
    sid = t.station_id
    if t.commands.reported_settings(sid) is not None:
        t.show(DisplayMessagesScreen(t.commands, sid, t.send))
    else:
        t.send(lambda: t.commands.get_display_messages(sid), f"Display messages {sid}")


def _charging_profile(t: Target) -> None:
    tx = t.state.open_transaction_on(t.station_id, t.connector_id)
    fields = smart_charging_forms.profile_fields(t.connector_id, tx.transaction_id if tx else "")
    check = smart_charging_forms.profile_check(t.commands, t.station_id)

    def send(v: dict[str, Any]) -> None:
        plan = smart_charging_forms.plan_of(v, t.commands)
        label = f"{v['purpose']} profile {t.station_id} #{v['connector']}"
        t.send(lambda: t.commands.charging_profile(t.station_id, plan), label)

    _form(t, "Charging profile", fields, send, check)


def _charging_schedule(t: Target) -> None:
    def send(v: dict[str, Any]) -> None:
        ask = smart_charging_forms.ask_schedule
        t.send(lambda: ask(v, t.commands, t.station_id), f"{v['what']} {t.station_id}")

    _form(t, "Charging schedule", smart_charging_forms.schedule_fields(t.connector_id), send)


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
        ConsoleCommand(
            "firmware", "F", "Update firmware", "This station or a fleet, signed or not", _firmware
        ),
        ConsoleCommand("get_log", "G", "Get log", "Diagnostics or security log", _get_log),
        ConsoleCommand(
            "certificates", "c", "Certificates", "Sign, install, list, delete", _certificates
        ),
        ConsoleCommand(
            "upgrade", "U", "Upgrade security profile", "To the next profile, then reset", _upgrade
        ),
        ConsoleCommand(
            "monitoring", "N", "Monitoring", "Monitors, events, customer info (2.x)", _monitoring
        ),
        ConsoleCommand(
            "display_messages", "O", "Display messages", "List, add, clear (2.x)", _display_messages
        ),
        ConsoleCommand(
            "charging_profile",
            "P",
            "Charging profile",
            "Periods, purpose, recurrency",
            _charging_profile,
        ),
        ConsoleCommand(
            "charging_schedule",
            "Y",
            "Charging schedule",
            "Composite, profiles held, clear",
            _charging_schedule,
        ),
    )
}


def station_bindings() -> list[Binding]:
    """Every station command's binding, for the console's BINDINGS."""
    return [c.binding() for c in STATION_COMMANDS.values()]
