"""Payload keys between the wire's camelCase and the handlers' snake_case, as the
`ocpp` library turns them, but each key converted once.

The library runs two regular expressions (and eleven replaces the other way) on
every key of every message, and turns each answer into a dict three times
(`asdict`, then without Nones, then camelCase). Here each key goes through the
library's own conversion the first time it is seen and is looked up after that,
and an answer becomes its wire dict in one walk, so the keys on the wire are
exactly the library's. The caches are bounded: a station's keys are its own to
choose, so only short keys are kept, and only so many of them.
"""

from __future__ import annotations

from dataclasses import fields, is_dataclass
from enum import Enum
from functools import cache
from typing import Any

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case

_CACHED_KEY_CHARS = 64  # longer keys are converted every time, never kept
_CACHED_KEYS = 4096  # keys kept per direction; past that, new keys are converted each time

_SNAKE: dict[str, str] = {}
_CAMEL: dict[str, str] = {}


def snake_key(key: str) -> str:
    """A camelCase key as the library's `camel_to_snake_case` turns it."""
    found = _SNAKE.get(key)
    if found is None:
        found = next(iter(camel_to_snake_case({key: None})))
        if len(key) <= _CACHED_KEY_CHARS and len(_SNAKE) < _CACHED_KEYS:
            _SNAKE[key] = found
    return found


def camel_key(key: str) -> str:
    """A snake_case key as the library's `snake_to_camel_case` turns it."""
    found = _CAMEL.get(key)
    if found is None:
        found = next(iter(snake_to_camel_case({key: None})))
        if len(key) <= _CACHED_KEY_CHARS and len(_CAMEL) < _CACHED_KEYS:
            _CAMEL[key] = found
    return found


def to_snake(data: Any) -> Any:
    """A payload read from JSON with every key in snake_case: the library's
    `camel_to_snake_case`."""
    kind = type(data)
    if kind is dict:
        known = _SNAKE.get
        return {
            known(k) or snake_key(k): to_snake(v) if type(v) in _NESTED else v
            for k, v in data.items()
        }
    if kind is list:
        return [to_snake(v) if type(v) in _NESTED else v for v in data]
    return data


_NESTED = frozenset({dict, list})  # what JSON nests keys in


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    # The answer classes are the library's and ours: a small, fixed set.
    return tuple(f.name for f in fields(cls))


def to_wire(answer: Any) -> Any:
    """What the library puts on the wire for an answer (a dataclass, or the dicts, lists
    and values in it): camelCase keys, no Nones, enums as their values. The library's
    `snake_to_camel_case(remove_nones(serialize_as_dict(answer)))`, in one walk."""
    if isinstance(answer, Enum):
        return answer.value
    if isinstance(answer, dict):
        return {camel_key(k): to_wire(v) for k, v in answer.items() if v is not None}
    if isinstance(answer, list):
        return [to_wire(v) for v in answer if v is not None]
    if is_dataclass(answer) and not isinstance(answer, type):
        return {
            camel_key(name): to_wire(value)
            for name in _field_names(type(answer))
            if (value := getattr(answer, name)) is not None
        }
    return answer
