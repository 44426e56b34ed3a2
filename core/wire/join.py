"""Requests joined to their answers, whichever comes first, in bounded memory.

A CALL and its CALLRESULT / CALLERROR share `Frame.call_key`. Every part that
pairs them (the projection, the frame log, the player, metrics, the OCPP-J
importer) keeps its unpaired halves in a `Joiner`. Both sides are bounded: past
`limit` the oldest tenth is dropped at once, so eviction costs O(1) per frame
however long the run, and a station that never answers, or answers ids nobody
asked for, cannot grow memory without end.

Early answers are bounded by bytes as well, when the holder says what one
weighs (`weigh`, e.g. `frame_bytes` for a Joiner of frames): a station
answering made-up ids with large payloads would otherwise hold `limit` times
the largest message. Only early answers are weighed, so the hot path (a CALL
and its answer, joined at once) pays nothing; CALLs are counted only, since
every CALL a station sends is answered by the CSMS at once.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice
from typing import Generic, TypeVar

import orjson

from .frame import CallKey, Direction, Frame

V = TypeVar("V")
K = TypeVar("K")

DEFAULT_LIMIT = 50_000
DEFAULT_MAX_BYTES = 64 * 1024 * 1024  # early answers, by their estimated size
_FRAME_OVERHEAD = 200  # bytes a Frame costs besides its payload and text, about


def frame_bytes(frame: Frame) -> int:
    """About how many bytes a frame holds: its payload's JSON, its text and ids.

    Encodes the payload, so it is for frames that are held, not for every frame.
    """
    return (
        len(orjson.dumps(frame.payload))
        + len(frame.text)
        + len(frame.unique_id)
        + len(frame.action)
        + _FRAME_OVERHEAD
    )


def evict_oldest(pending: dict[K, V], limit: int) -> None:
    """Past `limit` entries, drop the oldest tenth (insertion order)."""
    if len(pending) > limit:
        # A tenth at once: popping the front one key at a time makes every next(iter())
        # walk the deleted slots, quadratic over a long run.
        for old in list(islice(pending, max(1, limit // 10))):
            del pending[old]


def bounded_put(pending: dict[K, V], key: K, value: V, limit: int) -> None:
    """Set `pending[key]`, keeping at most about `limit` entries (the oldest go first)."""
    pending[key] = value
    evict_oldest(pending, limit)


class Joiner(Generic[V]):
    """Unpaired CALLs and answers by call key; each side holds a value of the caller's choice.

    `early_answers`: keep an answer whose CALL has not come (a shuffled log)
    until it does. `stationless`: answers may name no station (event logs);
    they join the waiting CALL with their message id and direction. `weigh`:
    the bytes an early answer's value holds; then early answers are kept to
    about `max_bytes` as well (the oldest go first).
    """

    __slots__ = (
        "_answers",
        "_calls",
        "_early",
        "_held",
        "_stations",
        "_weigh",
        "_weights",
        "limit",
        "max_bytes",
    )

    def __init__(
        self,
        limit: int = DEFAULT_LIMIT,
        *,
        early_answers: bool = True,
        stationless: bool = False,
        weigh: Callable[[V], int] | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self.limit = limit
        self.max_bytes = max_bytes
        self._early = early_answers
        self._calls: dict[CallKey, V] = {}
        self._answers: dict[CallKey, V] = {}
        self._weigh = weigh
        # The weight of each early answer (same keys, same order) and their sum.
        self._weights: dict[CallKey, int] | None = {} if weigh is not None else None
        self._held = 0
        # (CALL direction, message id) -> station of the waiting CALL, for stationless answers
        self._stations: dict[tuple[Direction, str], str] | None = {} if stationless else None

    def __len__(self) -> int:
        """Halves waiting for their partner."""
        return len(self._calls) + len(self._answers)

    def __contains__(self, key: CallKey) -> bool:
        """Whether a CALL waits under `key`."""
        return key in self._calls

    @property
    def held_bytes(self) -> int:
        """The weight of the early answers held (0 when nothing weighs them)."""
        return self._held

    def call(self, frame: Frame, value: V) -> V | None:
        """A CALL: the value its answer left if that came first (taken now), else None,
        and `value` waits for the answer."""
        key = frame.call_key
        if self._answers:
            found = self._take_answer(key)
            if found is None and self._stations is not None:
                found = self._take_answer((key[0], key[1], ""))
            if found is not None:
                return found
        calls = self._calls
        calls[key] = value
        if len(calls) > self.limit:
            evict_oldest(calls, self.limit)
        stations = self._stations
        if stations is not None:
            stations[(key[0], key[1])] = key[2]
            if len(stations) > self.limit:
                evict_oldest(stations, self.limit)
        return None

    def answer(self, frame: Frame, value: V) -> V | None:
        """An answer: the value its CALL left (taken now), else None, and `value` waits for
        the CALL when early answers are kept."""
        key = frame.call_key
        stations = self._stations
        if stations is not None:
            short = (key[0], key[1])
            station = stations.get(short)
            if station is not None and station == (key[2] or station):
                del stations[short]  # this answer is the one that index entry waited for
                key = (key[0], key[1], station)
        found = self._calls.pop(key, None)
        if found is not None:
            return found
        if self._early:
            self._hold_answer(key, value)
        return None

    def _take_answer(self, key: CallKey) -> V | None:
        found = self._answers.pop(key, None)
        if found is not None and self._weights is not None:
            self._held -= self._weights.pop(key)
        return found

    def _hold_answer(self, key: CallKey, value: V) -> None:
        answers, weights = self._answers, self._weights
        if weights is not None and self._weigh is not None:
            weight = self._weigh(value)
            self._held += weight - weights.get(key, 0)
            weights[key] = weight
        answers[key] = value
        if len(answers) > self.limit or self._held > self.max_bytes:
            self._evict_answers()

    def _evict_answers(self) -> None:
        """Drop the oldest early answers: a tenth of `limit` when past it, and as many as
        bring the weight to nine tenths of `max_bytes` when past that (both rarely paid)."""
        answers, weights = self._answers, self._weights
        count = max(1, self.limit // 10) if len(answers) > self.limit else 0
        target = self.max_bytes * 9 // 10
        held = self._held
        victims: list[CallKey] = []
        for key in answers:
            if len(victims) >= count and held <= target:
                break
            victims.append(key)
            if weights is not None:
                held -= weights[key]
        for key in victims:
            del answers[key]
            if weights is not None:
                del weights[key]
        self._held = held

    def keep_call(self, key: CallKey, value: V) -> None:
        """Let a CALL known only by its key wait for `take_call` (no answer is matched)."""
        bounded_put(self._calls, key, value, self.limit)

    def take_call(self, key: CallKey) -> V | None:
        """The value a waiting CALL left under `key`, taken; None when none waits."""
        return self._calls.pop(key, None)

    def halves(self) -> tuple[list[tuple[CallKey, V]], list[tuple[CallKey, V]]]:
        """The waiting CALLs and answers with their keys, oldest first (to save them)."""
        return list(self._calls.items()), list(self._answers.items())

    def station_index(self) -> list[tuple[Direction, str, str]]:
        """(CALL direction, message id, station) of each CALL a stationless answer may
        join, oldest first; empty when answers always name their station."""
        return [(d, uid, sid) for (d, uid), sid in (self._stations or {}).items()]

    def restore(
        self,
        calls: list[tuple[CallKey, V]],
        answers: list[tuple[CallKey, V]],
        index: list[tuple[Direction, str, str]],
    ) -> None:
        """Hold exactly these halves (as `halves` and `station_index` gave them)."""
        self._calls = dict(calls)
        self._answers = {}
        self._held = 0
        if self._weights is not None:
            self._weights = {}
        for key, value in answers:
            self._hold_answer(key, value)
        if self._stations is not None:
            self._stations = {(d, uid): sid for d, uid, sid in index}
