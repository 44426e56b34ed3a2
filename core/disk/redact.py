"""Redaction: a frame made safe to share, its identifying values replaced by
pseudonyms (core/disk/pseudonyms.py), its structure, meter values and timings kept.

What is replaced:
- the frame's station, and a station id wherever a payload names one;
- id tags (1.6 idTag and parentIdTag, 2.x idToken and groupIdToken, local list
  entries, a customer identifier), serial numbers (station, charge box, meter,
  certificate; ICCID and IMSI), URLs (firmware and diagnostics locations, and
  any URL in any string), certificates (PEM anywhere, certificate and CSR
  fields, EXI requests), certificate hash data (issuer name and key hashes),
  DataTransfer data, and Basic auth material: passwords, 1.6's
  AuthorizationKey in ChangeConfiguration / GetConfiguration, 2.x's
  BasicAuthPassword in SetVariables / GetVariables / NotifyReport / NotifyEvent,
  APN and VPN credentials;
- in free text (a connection note, a CallError's description and details, the
  raw text of a malformed message, any other string): every value above that
  was met anywhere in the source (see core/disk/mentions.py), PEM blocks, URLs,
  `"idTag": "…"`-like pairs (an echoed message) and, in notes, IPv4 addresses.

What is kept: message ids, actions, numbers, enumerations, timestamps and
strings that are numbers (1.6 meter values are strings), so the redacted frames
fold into the same state up to the renaming, replay, and still validate.

A whole source is redacted in two passes over the same frames: `learn` each,
then `redact` each, so that a value named late (a station's id in its own frames)
is also found in a note written before it. One pass of `redact` alone finds in
text only what it has met so far. Pure but for the table of values met.
"""

from __future__ import annotations

import dataclasses
import re
from collections import Counter
from collections.abc import Mapping
from typing import Any

import orjson

from ..wire.frame import Frame, Kind
from .mentions import Mentions
from .pseudonyms import PEM, Pseudonyms, Secret, replace_pem

# Fields that hold an identifying value wherever they appear, by name.
_FIELDS: dict[str, Secret] = {
    **dict.fromkeys(
        ("stationId", "chargeBoxId", "chargePointId", "chargeBoxIdentity"), Secret.STATION
    ),
    **dict.fromkeys(
        ("idTag", "parentIdTag", "idToken", "additionalIdToken", "customerIdentifier"),
        Secret.ID_TAG,
    ),
    **dict.fromkeys(
        (
            "chargePointSerialNumber",
            "chargeBoxSerialNumber",
            "serialNumber",
            "meterSerialNumber",
            "iccid",
            "imsi",
        ),
        Secret.SERIAL,
    ),
    **dict.fromkeys(
        ("password", "apnPassword", "apnUserName", "simPin", "basicAuthPassword"),
        Secret.PASSWORD,
    ),
    **dict.fromkeys(
        ("location", "firmwareUrl", "remoteLocation", "ocppCsmsUrl", "responderURL"), Secret.URL
    ),
    **dict.fromkeys(
        (
            "certificate",
            "certificateChain",
            "csr",
            "signingCertificate",
            "exiRequest",
            "exiResponse",
        ),
        Secret.CERTIFICATE,
    ),
    **dict.fromkeys(("issuerNameHash", "issuerKeyHash"), Secret.HASH),
    "data": Secret.TEXT,  # DataTransfer (and 2.x NotifyCustomerInformation): free text
}
# Configuration keys (1.6) and variables (2.x) whose value is a secret.
_CONFIG_KEYS: dict[str, Secret] = {"AuthorizationKey": Secret.PASSWORD}
_VARIABLES: dict[str, Secret] = {"BasicAuthPassword": Secret.PASSWORD, "Identity": Secret.STATION}
_VARIABLE_VALUES = ("attributeValue", "actualValue")  # where a variable's value is given
# A VPN profile (2.x SetNetworkProfile): its credentials and its server.
_VPN = {
    **dict.fromkeys(("user", "password", "key", "group"), Secret.PASSWORD),
    "server": Secret.ADDRESS,
}

_STREAM_ELEMENT = {"t", "v", "customData"}
_RANK = {secret: rank for rank, secret in enumerate(Secret)}
_KEPT = re.compile(r"[+-]?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|\d{4}-\d\d-\d\dT[\d:.]+(?:Z|[+-][\d:]+)?")
_URL = r"[A-Za-z][A-Za-z0-9+.\-]*://[^\s\"'<>\\]+"
_IPV4 = r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?![\d.])"
_PAIR = r'"(?P<field>' + "|".join(_FIELDS) + r')"\s*:\s*"(?P<value>(?:[^"\\]|\\.)*)"'
_PEER = re.compile(r"from (?P<host>.+):(?P<port>\d+)")  # a CONNECTED frame's note


@dataclasses.dataclass(slots=True)
class _Patterns:
    """The text searches, compiled for one size of the table of values met."""

    size: int
    strings: re.Pattern[str]  # in any string of a payload
    notes: re.Pattern[str]  # in a frame's note: the above, and IPv4 addresses


class Redactor:
    """Redacts frames under one key; counts what it replaced."""

    def __init__(self, pseudonyms: Pseudonyms, mentions: Mentions | None = None) -> None:
        self._names = pseudonyms
        self.mentions = mentions if mentions is not None else Mentions()
        self.replaced: Counter[Secret] = Counter()  # by `redact`, every replacement
        self._counting = False
        self._patterns: _Patterns | None = None

    def learn(self, frame: Frame) -> None:
        """Note the identifying values of a frame, to find them in text later."""
        self._counting = False
        self._station(frame.station)
        self._walk(frame.payload, None, {}, scan=False)

    def redact(self, frame: Frame) -> Frame:
        """The frame with its identifying values replaced."""
        self._counting = True
        text = frame.text
        peer = _PEER.fullmatch(text) if frame.kind is Kind.CONNECTED else None
        if peer is not None:
            text = f"from {self._value(Secret.ADDRESS, peer['host'])}:{peer['port']}"
        elif text:
            text = self._search(self._compiled().notes, text)
        return dataclasses.replace(
            frame,
            station=self._station(frame.station),
            payload=self._walk(frame.payload, None, {}, scan=True),
            text=text,
        )

    def _station(self, station: str) -> str:
        return self._value(Secret.STATION, station) if station else station

    def _value(self, secret: Secret, value: str) -> str:
        if not value:
            return value  # nothing to hide, and "none given" stays visible
        pseudonym = self._names.of(secret, value)
        self.mentions.note(value, _RANK[secret], pseudonym)
        if self._counting:
            self.replaced[secret] += 1
        return pseudonym

    # --- payloads -----------------------------------------------------------
    def _walk(self, node: Any, field: str | None, fields: Mapping[str, Secret], scan: bool) -> Any:
        """`node`, the value of `field` in an object whose own secret fields are `fields`."""
        secret = None if field is None else fields.get(field) or _FIELDS.get(field)
        if secret is Secret.URL and isinstance(node, str) and node.isalpha():
            secret = None  # a sampled value's location ("Outlet"), not a file's
        elif secret is Secret.TEXT and _is_stream(node):
            # 2.1 NotifyPeriodicEventStream: readings, not text.
            return [self._object(item, scan) for item in node]
        if secret is Secret.TEXT and isinstance(node, dict | list):
            return self._value(secret, _canonical(node))
        if isinstance(node, dict):
            return self._object(node, scan)
        if isinstance(node, list):
            return [self._walk(item, field, fields, scan) for item in node]
        if secret is not None and isinstance(node, str):
            return self._value(secret, node)
        if secret is not None and isinstance(node, int) and not isinstance(node, bool):
            return self._names.number(node)  # a SIM PIN, or an id tag sent as a number
        if scan and isinstance(node, str):
            return self._search(self._compiled().strings, node)
        return node

    def _object(
        self, node: dict[str, Any], scan: bool, given: Mapping[str, Secret] | None = None
    ) -> dict[str, Any]:
        fields, variable = _context(node)
        if given:
            fields = {**fields, **given}
        out: dict[str, Any] = {}
        for field, value in node.items():
            if field == "variableAttribute" and variable is not None and isinstance(value, list):
                # NotifyReport: each attribute's value is the variable's.
                inner = {"value": variable}
                out[field] = [
                    self._object(item, scan, inner) if isinstance(item, dict) else item
                    for item in value
                ]
            elif field == "vpn" and isinstance(value, dict):
                out[field] = self._object(value, scan, _VPN)
            else:
                out[field] = self._walk(value, field, fields, scan)
        return out

    # --- text ---------------------------------------------------------------
    def _compiled(self) -> _Patterns:
        size = len(self.mentions)
        if self._patterns is None or self._patterns.size != size:
            known = self.mentions.pattern()
            strings = (
                rf"(?P<pair>{_PAIR})|(?P<pem>{PEM.pattern})|(?P<url>{_URL})|(?P<known>{known})"
            )
            self._patterns = _Patterns(
                size,
                re.compile(strings, re.DOTALL),
                re.compile(rf"(?P<ip>{_IPV4})|{strings}", re.DOTALL),
            )
        return self._patterns

    def _search(self, pattern: re.Pattern[str], text: str) -> str:
        if _KEPT.fullmatch(text):
            return text  # a number or a time: a meter value, a timestamp
        return pattern.sub(self._replacement, text)

    def _replacement(self, match: re.Match[str]) -> str:
        found = match.group(0)
        match match.lastgroup:
            case "known":
                return self.mentions.pseudonym(found)
            case "url":
                return self._value(Secret.URL, found)
            case "pem":
                return replace_pem(found, self._names)
            case "ip":
                return self._value(Secret.ADDRESS, found)
            case _:  # "pair": keep the field name, replace the quoted value
                head = found[: match.start("value") - match.start()]
                return f'{head}{self._value(_FIELDS[match["field"]], match["value"])}"'


def _context(node: dict[str, Any]) -> tuple[dict[str, Secret], Secret | None]:
    """Fields of this object that hold a secret because of what the object is (a 1.6
    configuration key, a 2.x variable), and the secret a 2.x variable's value is."""
    key = node.get("key")
    if isinstance(key, str) and key in _CONFIG_KEYS:
        return {"value": _CONFIG_KEYS[key]}, None
    variable = node.get("variable")
    name = variable.get("name") if isinstance(variable, dict) else None
    if isinstance(name, str) and name in _VARIABLES:
        secret = _VARIABLES[name]
        return dict.fromkeys(_VARIABLE_VALUES, secret), secret
    return {}, None


def _is_stream(node: Any) -> bool:
    """Whether `data` is a 2.1 periodic event stream: a list of {t, v} readings."""
    return isinstance(node, list) and all(
        isinstance(item, dict) and item.keys() <= _STREAM_ELEMENT for item in node
    )


def _canonical(value: Any) -> str:
    """One text for a JSON value, the same however its keys were ordered."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8")
