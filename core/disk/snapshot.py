"""State snapshots: the projection as versioned JSON, with the last frame it has folded.

A restart loads the newest snapshot and refolds only the frames after it.
The snapshot lives in its own file beside the store rather than inside
TinyDB: TinyDB rewrites its whole JSON file on every write, and a large
network's projection would be rewritten with every transaction.

Reading a snapshot builds only our own records from plain JSON values, each
checked for its type; nothing in the file names a class or runs code (a
pickle could). A snapshot that cannot be read, or of another version, is
ignored (with a warning) and the whole recording is refolded instead:
slower, never wrong. Pure but for `load`'s read.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from dataclasses import dataclass, fields
from itertools import pairwise
from pathlib import Path
from typing import Any

import orjson

from ..model.facts import MeterSample
from ..model.projection import Projection, Waiting
from ..model.state import (
    ConnectorState,
    EvseState,
    MeterHistory,
    Notice,
    ReportedVariable,
    State,
    StationState,
    Topic,
    Transaction,
    VariableKey,
)
from ..wire import codec
from ..wire.frame import CallKey, Direction, Frame
from . import charging_snapshot

log = logging.getLogger("ocppdeck.snapshot")

KIND = "ocppdeck-snapshot"
LEGACY_NAMES = ("snapshot.pickle",)
VERSION = 9  # bump when the projection's saved shape changes; an old one means a refold


class SnapshotError(ValueError):
    """A file that is not a snapshot this version can use."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A projection and the sequence number of the last frame folded into it."""

    seq: int
    projection: Projection


# --- plain values, checked ---------------------------------------------------------------
def _str(value: Any) -> str:
    if type(value) is not str:
        raise SnapshotError(f"expected text, got {type(value).__name__}")
    return value


def _int(value: Any) -> int:
    if type(value) is not int:
        raise SnapshotError(f"expected a whole number, got {type(value).__name__}")
    return value


def _float(value: Any) -> float:
    if type(value) not in (int, float):
        raise SnapshotError(f"expected a number, got {type(value).__name__}")
    return float(value)


def _bool(value: Any) -> bool:
    if type(value) is not bool:
        raise SnapshotError(f"expected true or false, got {type(value).__name__}")
    return value


def _optional(check: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else check(value)


def _list(value: Any) -> list[Any]:
    if type(value) is not list:
        raise SnapshotError(f"expected a list, got {type(value).__name__}")
    return value


# A record's fields of these types are saved as they are; the others each have their
# own line below (and a test checks every field is one or the other).
_CHECKS: dict[str, Callable[[Any], Any]] = {
    "str": _str,
    "bool": _bool,
    "int": _int,
    "float": _float,
    "float | None": _optional(_float),
    "int | None": _optional(_int),
    "str | None": _optional(_str),
}
COMPOUND: dict[type, frozenset[str]] = {
    StationState: frozenset(
        {
            "station_id",
            "declared_layout",
            "reports",
            "variables",
            "roster",
            "evses",
            "unstarted",
            "notices",
            "steps",
            "charging",
        }
    ),
    EvseState: frozenset({"evse_id", "history", "connectors"}),
    ConnectorState: frozenset({"connector_id"}),
    Transaction: frozenset({"station", "transaction_id", "seq_runs"}),
    # `by_station` indexes `transactions`: rebuilt on reading, not saved twice.
    State: frozenset({"stations", "transactions", "open", "by_station"}),
}


def scalar_fields(cls: type) -> tuple[tuple[str, Callable[[Any], Any]], ...]:
    """The fields of `cls` saved as plain values, with the check that reads each back."""
    return tuple(
        (f.name, _CHECKS[str(f.type)])
        for f in fields(cls)
        if f.name not in COMPOUND[cls] and str(f.type) in _CHECKS
    )


_SCALARS = {cls: scalar_fields(cls) for cls in COMPOUND}


def _scalars_of(record: Any) -> dict[str, Any]:
    return {name: getattr(record, name) for name, _ in _SCALARS[type(record)]}


def _scalars_in(doc: Any, cls: type) -> dict[str, Any]:
    if type(doc) is not dict:
        raise SnapshotError(f"expected a record, got {type(doc).__name__}")
    try:
        return {name: check(doc[name]) for name, check in _SCALARS[cls]}
    except KeyError as exc:
        raise SnapshotError(f"{cls.__name__} without {exc}") from None


def _pairs(value: Any) -> frozenset[tuple[int, int]]:
    return frozenset((_int(a), _int(b)) for a, b in _list(value))


# --- writing -----------------------------------------------------------------------------
def _evse(evse: EvseState) -> dict[str, Any]:
    return {
        "id": evse.evse_id,
        **_scalars_of(evse),
        "history": base64.b64encode(evse.history.to_bytes()).decode("ascii"),
        "connectors": [{"id": c.connector_id, **_scalars_of(c)} for c in evse.connectors.values()],
    }


def _variable_key(k: VariableKey) -> list[Any]:
    return [k.component, k.variable, k.component_instance, k.variable_instance, k.evse, k.connector]


def _station(station: StationState) -> dict[str, Any]:
    return {
        "id": station.station_id,
        **_scalars_of(station),
        "declared_layout": sorted(station.declared_layout),
        "reports": [[rid, at, sorted(pairs)] for rid, (at, pairs) in station.reports.items()],
        "variables": [
            [*_variable_key(k), v.at, v.value, v.mutability] for k, v in station.variables.items()
        ],
        "roster": sorted(station.roster),
        "evses": [_evse(evse) for evse in station.evses.values()],
        "notices": [n for kept in station.notices.values() for n in kept.values()],
        "steps": [n for kept in station.steps.values() for n in kept],
        "charging": charging_snapshot.encode(station.charging),
        "unstarted": list(station.unstarted.values()),
    }


def _sample(s: MeterSample) -> list[Any]:
    return [s.at, s.heard, s.evse, s.energy_wh, s.power_w, s.transaction_id]


def _frame(frame: Frame) -> Any:
    return orjson.loads(codec.encode(frame))


def _keyed(items: list[tuple[CallKey, Frame]]) -> list[Any]:
    return [[d.value, uid, sid, _frame(frame)] for (d, uid, sid), frame in items]


def dump(projection: Projection, seq: int) -> bytes:
    """The bytes of a snapshot; take them on the event loop, write them off it."""
    state = projection.state
    waiting = projection.waiting()
    document = {
        "kind": KIND,
        "version": VERSION,
        "seq": seq,
        "state": {
            **_scalars_of(state),
            "stations": [_station(s) for s in state.stations.values()],
            # orjson writes the records themselves, every field by its name: several times
            # faster than a dict each, and transactions are most of a busy CSMS's state.
            "transactions": list(state.transactions.values()),
            "open": [list(key) for key in state.open],
        },
        "waiting": {
            "calls": _keyed(waiting.calls),
            "answers": _keyed(waiting.answers),
            "index": [[d.value, uid, sid] for d, uid, sid in waiting.index],
            "samples": [[sid, tx, [_sample(s) for s in ss]] for (sid, tx), ss in waiting.samples],
        },
    }
    return orjson.dumps(document)


# --- reading -----------------------------------------------------------------------------
def _read_evse(doc: Any) -> EvseState:
    evse = EvseState(_int(doc["id"]), **_scalars_in(doc, EvseState))
    evse.history = MeterHistory.from_bytes(base64.b64decode(_str(doc["history"]), validate=True))
    for c in _list(doc["connectors"]):
        connector = ConnectorState(_int(c["id"]), **_scalars_in(c, ConnectorState))
        evse.connectors[connector.connector_id] = connector
    return evse


def _read_transaction(doc: Any) -> Transaction:
    tx = Transaction(_str(doc["station"]), _str(doc["transaction_id"]))
    for name, value in _scalars_in(doc, Transaction).items():
        setattr(tx, name, value)
    runs = tuple((_int(first), _int(last)) for first, last in _list(doc["seq_runs"]))
    if any(a > b for a, b in runs) or any(a[1] + 1 >= b[0] for a, b in pairwise(runs)):
        raise SnapshotError(f"seqNo runs out of order: {runs}")
    tx.seq_runs = runs
    return tx


def _notice(n: Any) -> Notice:
    where = (Topic(_str(n["topic"])), _int(n["evse"]), _str(n["subject"]))
    said = (_str(n["status"]), _str(n["detail"]), _bool(n["flag"]))
    return Notice(_float(n["at"]), *where, *said)


def _read_station(doc: Any) -> StationState:
    station = StationState(_str(doc["id"]), **_scalars_in(doc, StationState))
    station.declared_layout = _pairs(doc["declared_layout"])
    station.reports = {
        _int(rid): (_float(at), _pairs(pairs)) for rid, at, pairs in _list(doc["reports"])
    }
    for comp, var, comp_inst, var_inst, evse, conn, at, value, mutability in _list(
        doc["variables"]
    ):
        names = (_str(comp), _str(var), _str(comp_inst), _str(var_inst))
        key = VariableKey(*names, _int(evse), _int(conn))
        station.variables[key] = ReportedVariable(
            _float(at), _optional(_str)(value), _str(mutability)
        )
    station.roster = frozenset(_int(n) for n in _list(doc["roster"]))
    for notice in map(_notice, _list(doc["notices"])):
        station.notices.setdefault(notice.topic, {})[notice.key] = notice
    for step in map(_notice, _list(doc.get("steps", []))):  # older snapshots kept none
        station.steps[step.topic] = (*station.steps.get(step.topic, ()), step)
    try:  # older snapshots kept none
        station.charging = charging_snapshot.decode(doc.get("charging", []))
    except ValueError as exc:
        raise SnapshotError(f"{station.station_id}: {exc}") from None
    for evse_doc in _list(doc["evses"]):
        evse = _read_evse(evse_doc)
        station.evses[evse.evse_id] = evse
    for tx_doc in _list(doc["unstarted"]):
        tx = _read_transaction(tx_doc)
        if tx.station != station.station_id or tx.started_at is not None:
            raise SnapshotError(f"{station.station_id} waits for {tx.transaction_id} wrongly")
        station.unstarted[tx.transaction_id] = tx
    return station


def _read_state(doc: Any) -> State:
    state = State(**_scalars_in(doc, State))
    for station_doc in _list(doc["stations"]):
        station = _read_station(station_doc)
        state.stations[station.station_id] = station
    for tx_doc in _list(doc["transactions"]):
        tx = _read_transaction(tx_doc)
        if tx.started_at is None:
            raise SnapshotError(f"transaction {tx.transaction_id} kept without its start")
        state.add(tx)
    for station_id, tx_id in _list(doc["open"]):
        key = (_str(station_id), _str(tx_id))
        state.open[key] = state.transactions[key]
    return state


def _read_frame(doc: Any) -> Frame:
    try:
        return codec.decode(orjson.dumps(doc))
    except codec.FrameError as exc:
        raise SnapshotError(str(exc)) from None


def _read_keyed(doc: Any) -> list[tuple[CallKey, Frame]]:
    return [
        ((Direction(_str(d)), _str(uid), _str(sid)), _read_frame(frame))
        for d, uid, sid, frame in _list(doc)
    ]


def _read_sample(doc: Any) -> MeterSample:
    at, heard, evse, energy, power, tx = _list(doc)
    return MeterSample(
        _float(at), _float(heard), _int(evse), _optional(_float)(energy),
        _optional(_float)(power), _optional(_str)(tx),
    )  # fmt: skip


def read(data: bytes) -> Snapshot:
    """The snapshot in `data`; SnapshotError when it is not one this version can use."""
    try:
        doc = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        raise SnapshotError(f"not JSON: {exc}") from None
    if type(doc) is not dict or doc.get("kind") != KIND:
        raise SnapshotError("not an ocppdeck snapshot")
    if doc.get("version") != VERSION:
        raise SnapshotError(f"version {doc.get('version')!r}, this ocppdeck reads {VERSION}")
    try:
        saved = doc["waiting"]
        waiting = Waiting(
            _read_keyed(saved["calls"]),
            _read_keyed(saved["answers"]),
            [(Direction(_str(d)), _str(uid), _str(sid)) for d, uid, sid in _list(saved["index"])],
            [
                ((_str(sid), _str(tx)), [_read_sample(s) for s in _list(samples)])
                for sid, tx, samples in _list(saved["samples"])
            ],
        )
        projection = Projection.resumed(_read_state(doc["state"]), waiting)
        return Snapshot(_int(doc["seq"]), projection)
    except SnapshotError:
        raise
    except (KeyError, TypeError, ValueError) as exc:  # a list of the wrong length, a bad key
        raise SnapshotError(f"damaged: {type(exc).__name__}: {exc}") from None


def forget_pickles(data_dir: Path) -> None:
    """Remove a pickle snapshot an older ocppdeck left: never loaded (unpickling a file
    can run code), the recording rebuilds what it held."""
    for name in LEGACY_NAMES:
        old = data_dir / name
        if old.exists():
            log.warning("removing %s: pickle snapshots are no longer read", old)
            old.unlink(missing_ok=True)


def load(path: Path) -> Snapshot | None:
    """The snapshot at `path`, or None when there is none or it cannot be used."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        log.warning("ignoring snapshot %s: %s", path, exc)
        return None
    try:
        return read(data)
    except SnapshotError as exc:  # a torn, foreign or older file: refold instead
        log.warning("ignoring snapshot %s: %s", path, exc)
        return None
