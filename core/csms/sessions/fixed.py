"""Answers that depend on nothing a station sends, declared as a table.

Most station-initiated actions are notifications: the spec wants an empty answer,
or a fixed refusal while ocppdeck lacks what the request asks for (a certificate
authority, a charging schedule). A session class declares these as
`{action: answer}` and `answering` turns each into an `@on(action)` handler, so
the library's routing sees them as it sees any other handler.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from ocpp.routing import on

from .payload_keys import snake_key

T = TypeVar("T", bound=type)

Answer = Mapping[str, Any]  # snake_case keys, as a handler returns them
EMPTY: Answer = MappingProxyType({})


def refused(status: str, reason: str, detail: str) -> Answer:
    """A 2.x answer with `status` and a statusInfo saying why (reasonCode at most 20 chars)."""
    return MappingProxyType(
        {"status": status, "status_info": {"reason_code": reason, "additional_info": detail}}
    )


def answering(table: Mapping[str, Answer]) -> Callable[[T], T]:
    """A class decorator: a handler per action of `table` that answers its fixed payload.

    An action the class already handles keeps its own handler.
    """

    def decorate(cls: T) -> T:
        for action, answer in table.items():
            name = f"on_{snake_key(action)}"
            if not hasattr(cls, name):
                setattr(cls, name, _handler(action, name, answer))
        return cls

    return decorate


def _handler(action: str, name: str, answer: Answer) -> Callable[..., Any]:
    def handler(self: Any, **_: Any) -> dict[str, Any]:
        return dict(answer)

    # The library routes by the function's name: it must be the attribute's.
    handler.__name__ = handler.__qualname__ = name
    return on(action)(handler)
