"""The OCPP dialects ocppdeck speaks: one entry per version, and everything that differs.

Each `Dialect` names its subprotocol, the `ocpp` library package that holds its
call, call_result and enums modules and its JSON schemas, the reader that turns
its frames into facts, the actions a station sends, the messages a
TriggerMessage may ask for, and three parts that live beside their concept:
the CSMS session's answers (core/csms/sessions), the builder of every operator
command (core/csms/builders) and the simulated station's link (core/sim/links).

Adding a version is one entry here plus its session, reader, builder and link
(2.x versions share theirs). Nothing else in ocppdeck names a version.

The library and the three parts load on first use: reading a recording needs
only the readers, so `ocppdeck project` never imports the library's validators.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from types import ModuleType
from typing import Any, Generic, TypeVar

from .model.readers import Reader
from .model.readers import eventlog as eventlog_reader
from .model.readers import v2 as v2_reader
from .model.readers import v16 as v16_reader

T = TypeVar("T")


class Lazy(Generic[T]):
    """`module:attribute` within ocppdeck's core, imported when first asked for."""

    def __init__(self, path: str) -> None:
        self.module, _, self.attribute = path.partition(":")

    @cached_property
    def value(self) -> T:
        """The named object, imported now if it was not yet."""
        found: T = getattr(import_module(f"{__package__}.{self.module}"), self.attribute)
        return found


class UnknownDialect(ValueError):
    """A protocol ocppdeck does not speak; the message names it."""


@dataclass(frozen=True, eq=False)
class Dialect:
    """One OCPP version as ocppdeck speaks it."""

    name: str  # the websocket subprotocol, e.g. "ocpp1.6"
    library: str  # the `ocpp` library's package of this version, e.g. "ocpp.v16"
    request_suffix: str  # how its request schema files are named: f"{action}{suffix}.json"
    reader: Reader
    station_actions: frozenset[str]  # what only a station sends (the CSMS sends the rest)
    triggers: tuple[str, ...]  # what a TriggerMessage may ask for
    id_token_length: int  # the longest id tag / idToken
    session: Lazy[type]  # the CSMS's answers to this version's station, mixed into ChargePoint
    builder: Lazy[type]  # builds every operator command as this version's call
    link: Lazy[type]  # the simulated station's messages and answers

    @property
    def calls(self) -> ModuleType:
        """The library's `call` module: requests."""
        return import_module(f"{self.library}.call")

    @property
    def results(self) -> ModuleType:
        """The library's `call_result` module: answers."""
        return import_module(f"{self.library}.call_result")

    @property
    def enums(self) -> ModuleType:
        """The library's `enums` module: every enumerated value of this version."""
        return import_module(f"{self.library}.enums")

    @property
    def charge_point(self) -> type:
        """The library's ChargePoint of this version: routing, validation, CallErrors."""
        cls: type = import_module(self.library).ChargePoint
        return cls

    @property
    def schemas(self) -> Path:
        """The folder of the library's JSON schemas of this version."""
        spec = find_spec(self.library)
        assert spec is not None and spec.submodule_search_locations is not None
        return Path(spec.submodule_search_locations[0]) / "schemas"

    def request_schema(self, action: str) -> Path:
        """The library's schema file of an action's request."""
        return self.schemas / f"{action}{self.request_suffix}.json"

    def csms_actions(self) -> list[str]:
        """The calls a CSMS may send a station of this version (request schema included),
        sorted by name."""
        return _csms_actions(self)

    def with_answers(self, answers: type) -> type:
        """A ChargePoint of this version that answers with `answers` (a class of `@on`
        handlers): the library routes, validates and answers errors around them. The
        class has this version's `calls` and `results` modules as attributes."""
        return _mixed(answers, self)

    def commands(self) -> Any:
        """The builder of this version's operator commands."""
        return _builder(self)


@cache
def _csms_actions(dialect: Dialect) -> list[str]:
    calls = dialect.calls
    return sorted(
        name
        for name, cls in vars(calls).items()
        if dataclasses.is_dataclass(cls)
        and cls.__module__ == calls.__name__
        and name not in dialect.station_actions
        and dialect.request_schema(name).is_file()
    )


@cache
def _mixed(answers: type, dialect: Dialect) -> type:
    name = f"{answers.__name__}_{dialect.library.rsplit('.', 1)[-1]}"
    parts = {"calls": dialect.calls, "results": dialect.results}
    return type(name, (answers, dialect.charge_point), parts)


@cache
def _builder(dialect: Dialect) -> Any:
    return dialect.builder.value(dialect.calls)


# DataTransfer goes both ways: a station's or the CSMS's.
BOTH_WAYS = frozenset({"DataTransfer"})

_STATION_16 = frozenset(
    {
        "Authorize",
        "BootNotification",
        "DiagnosticsStatusNotification",
        "FirmwareStatusNotification",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "SecurityEventNotification",
        "SignCertificate",
        "SignedFirmwareStatusNotification",
        "StartTransaction",
        "StatusNotification",
        "StopTransaction",
    }
)
_STATION_201 = frozenset(
    {
        "Authorize",
        "BootNotification",
        "ClearedChargingLimit",
        "FirmwareStatusNotification",
        "Get15118EVCertificate",
        "GetCertificateStatus",
        "Heartbeat",
        "LogStatusNotification",
        "MeterValues",
        "NotifyChargingLimit",
        "NotifyCustomerInformation",
        "NotifyDisplayMessages",
        "NotifyEVChargingNeeds",
        "NotifyEVChargingSchedule",
        "NotifyEvent",
        "NotifyMonitoringReport",
        "NotifyReport",
        "PublishFirmwareStatusNotification",
        "ReportChargingProfiles",
        "ReservationStatusUpdate",
        "SecurityEventNotification",
        "SignCertificate",
        "StatusNotification",
        "TransactionEvent",
    }
)
_STATION_21 = _STATION_201 | {
    "BatterySwap",
    "ClosePeriodicEventStream",
    "GetCertificateChainStatus",
    "NotifyDERAlarm",
    "NotifyDERStartStop",
    "NotifyPriorityCharging",
    "NotifySettlement",
    "OpenPeriodicEventStream",
    "PullDynamicScheduleUpdate",
    "ReportDERControl",
    "VatNumberValidation",
}
# 1.6 TriggerMessage; LogStatusNotification and SignChargePointCertificate are for the
# security extension's ExtendedTriggerMessage.
_TRIGGERS_16 = (
    "BootNotification",
    "DiagnosticsStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "StatusNotification",
)
_TRIGGERS_201 = (
    "BootNotification",
    "LogStatusNotification",
    "FirmwareStatusNotification",
    "Heartbeat",
    "MeterValues",
    "SignChargingStationCertificate",
    "SignV2GCertificate",
    "StatusNotification",
    "TransactionEvent",
    "SignCombinedCertificate",
    "PublishFirmwareStatusNotification",
)
# 2.1 adds a certificate and CustomTrigger, which names a vendor's message in customTrigger.
_TRIGGERS_21 = (*_TRIGGERS_201[:7], "SignV2G20Certificate", *_TRIGGERS_201[7:], "CustomTrigger")

V16 = Dialect(
    name="ocpp1.6",
    library="ocpp.v16",
    request_suffix="",
    reader=v16_reader,
    station_actions=_STATION_16,
    triggers=_TRIGGERS_16,
    id_token_length=20,
    session=Lazy("csms.sessions.v16:V16Answers"),
    builder=Lazy("csms.builders.v16:V16Builder"),
    link=Lazy("sim.links.v16:V16Link"),
)
V201 = Dialect(
    name="ocpp2.0.1",
    library="ocpp.v201",
    request_suffix="Request",
    reader=v2_reader,
    station_actions=_STATION_201,
    triggers=_TRIGGERS_201,
    id_token_length=36,
    session=Lazy("csms.sessions.v2:V2Answers"),
    builder=Lazy("csms.builders.v2:V2Builder"),
    link=Lazy("sim.links.v2:V2Link"),
)
V21 = dataclasses.replace(
    V201, name="ocpp2.1", library="ocpp.v21", station_actions=_STATION_21, triggers=_TRIGGERS_21
)

DIALECTS: dict[str, Dialect] = {d.name: d for d in (V16, V201, V21)}
DEFAULT = V16  # what a frame that names no protocol (an old or foreign log) is read as
DEMO_MIX = (V16.name, V201.name)  # the demo fleet's versions, taken in turn

# Formats that are no OCPP version but carry frames of their own (imported event logs).
_FORMAT_READERS: dict[str, Reader] = {eventlog_reader.PROTOCOL: eventlog_reader}


def dialect(name: str) -> Dialect:
    """The dialect of a subprotocol; UnknownDialect when ocppdeck does not speak it."""
    found = DIALECTS.get(name)
    if found is None:
        spoken = ", ".join(DIALECTS)
        raise UnknownDialect(f"unknown OCPP version {name or '(none)'!r}: one of {spoken}")
    return found


def reader_for(protocol: str) -> Reader:
    """The reader of a frame's protocol; an unknown one reads as DEFAULT."""
    found = DIALECTS.get(protocol)
    if found is not None:
        return found.reader
    return _FORMAT_READERS.get(protocol, DEFAULT.reader)


def station_sends(action: str) -> bool:
    """Whether a station may send a CALL of `action` in some version (DataTransfer too)."""
    return action in _STATION_SENT


_STATION_SENT = frozenset().union(*(d.station_actions for d in DIALECTS.values())) | BOTH_WAYS
