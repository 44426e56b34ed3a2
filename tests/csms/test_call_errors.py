"""CallErrors as each version's OCPP-J says, and answers to no call in flight dropped at
the wire, over real loopback websockets against a real engine.

A station here is a raw websocket: what it sends is wrong on purpose, which no
`ocpp` ChargePoint would send.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

import orjson
import pytest
from ocpp.routing import on
from websockets.asyncio.client import ClientConnection, connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from ocppdeck.core.csms.outbound_queue import CallState
from ocppdeck.core.dialects import dialect
from ocppdeck.core.disk import snapshot
from ocppdeck.core.engine import Engine
from ocppdeck.core.wire.codec import encode
from ocppdeck.core.wire.frame import Direction, Kind
from ocppdeck.core.wire.tap import is_stray
from tests.helpers.engine import frames_of, own_engine

V16, V201, V21 = "ocpp1.6", "ocpp2.0.1", "ocpp2.1"
VERSIONS = (V16, V201, V21)
NOW = "2025-01-01T00:00:00Z"

_probes = itertools.count(1)

Answer = tuple[str, str] | None  # (message id, error code) of a CALLERROR; None: no answer


async def exchange(ws: ClientConnection, text: str) -> list[Any] | None:
    """Send `text`, then a Heartbeat probe: what came back before the probe's answer (one
    message at most: the CSMS reads and answers in order), or None."""
    probe = f"probe-{next(_probes)}"
    await ws.send(text)
    await ws.send(f'[2,"{probe}","Heartbeat",{{}}]')
    came: list[list[Any]] = []
    while True:
        message = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        if message[1] == probe:
            assert message[0] == 3, message
            break
        came.append(message)
    assert len(came) <= 1, came
    return came[0] if came else None


def strays_counted(engine: Engine) -> float | None:
    """The answers to no call in flight that /metrics reports dropped."""
    return engine.metrics.registry.get_sample_value("ocppdeck_stray_answers_total")


def answer_of(message: list[Any] | None) -> Answer:
    """A CALLERROR as (id, code); a CALLRESULT as (id, "result")."""
    if message is None:
        return None
    return (message[1], message[2] if message[0] == 4 else "result")


# --- the table: what each version answers -------------------------------------------------
def _same(answer: Answer) -> tuple[Answer, Answer, Answer]:
    return (answer, answer, answer)


def _rpc(unique_id: str) -> tuple[Answer, Answer, Answer]:
    """Not an RPC message: 1.6 has no RpcFrameworkError and calls it FormationViolation."""
    return ((unique_id, "FormationViolation"),) + ((unique_id, "RpcFrameworkError"),) * 2


def _payload(code16: str, code2: str, unique_id: str) -> tuple[Answer, Answer, Answer]:
    return ((unique_id, code16), (unique_id, code2), (unique_id, code2))


FORMAT = ("FormationViolation", "FormatViolation")  # 1.6 keeps its misspelling (errata §5.2)
OCCURRENCE = ("OccurenceConstraintViolation", "OccurrenceConstraintViolation")  # errata §5.1
TYPE = ("TypeConstraintViolation",) * 2
PROPERTY = ("PropertyConstraintViolation",) * 2

# what is wrong -> (what a 1.6 station sends, what a 2.x one sends), answers in 1.6, 2.0.1, 2.1
TABLE: dict[str, tuple[tuple[str, str], tuple[Answer, Answer, Answer]]] = {
    "a good call": (('[2,"ok","Heartbeat",{}]',) * 2, _same(("ok", "result"))),
    "not JSON": (("not json",) * 2, _rpc("-1")),
    "not an array": (('{"a":1}',) * 2, _rpc("-1")),
    "an empty array": (("[]",) * 2, _rpc("-1")),
    "a message id that is a number": (('[2,17,"Heartbeat",{}]',) * 2, _rpc("-1")),
    "a message id of 37 characters": ((f'[2,"{"i" * 37}","Heartbeat",{{}}]',) * 2, _rpc("-1")),
    "a message type that is a string": (('["2","t1","Heartbeat",{}]',) * 2, _rpc("t1")),
    "a CALL without payload": (('[2,"s1","Heartbeat"]',) * 2, _same(("s1", "ProtocolError"))),
    "an action that is no string": (('[2,"s2",5,{}]',) * 2, _same(("s2", "ProtocolError"))),
    "an unknown action": (('[2,"a1","NoSuchAction",{}]',) * 2, _same(("a1", "NotImplemented"))),
    "a known action the CSMS does not take": (
        ('[2,"a2","Reset",{}]',) * 2,
        _same(("a2", "NotSupported")),
    ),
    "an action only 2.1 knows": (
        ('[2,"a3","AFRRSignal",{}]',) * 2,
        (("a3", "NotImplemented"), ("a3", "NotImplemented"), ("a3", "NotSupported")),
    ),
    "a payload that is no object": (('[2,"p1","Heartbeat","beat"]',) * 2, _payload(*FORMAT, "p1")),
    "a required field missing": (
        (
            '[2,"p2","StatusNotification",{"connectorId":1,"errorCode":"NoError"}]',
            f'[2,"p2","StatusNotification",{{"timestamp":"{NOW}","evseId":1,"connectorId":1}}]',
        ),
        _payload(*OCCURRENCE, "p2"),
    ),
    "a field not allowed": (('[2,"p3","Heartbeat",{"extra":1}]',) * 2, _payload(*OCCURRENCE, "p3")),
    "too few items": (
        (
            '[2,"p4","MeterValues",{"connectorId":1,"meterValue":[]}]',
            '[2,"p4","MeterValues",{"evseId":1,"meterValue":[]}]',
        ),
        _payload(*OCCURRENCE, "p4"),
    ),
    "a field of the wrong type": (
        (
            '[2,"p5","StatusNotification",'
            '{"connectorId":"one","errorCode":"NoError","status":"Available"}]',
            '[2,"p5","StatusNotification",'
            f'{{"timestamp":"{NOW}","connectorStatus":"Available","evseId":"one","connectorId":1}}]',
        ),
        _payload(*TYPE, "p5"),
    ),
    "a string too long": (
        (f'[2,"p6","DataTransfer",{{"vendorId":"{"v" * 256}"}}]',) * 2,
        _payload(*TYPE, "p6"),
    ),
    "a value not in the enum": (
        (
            '[2,"p7","StatusNotification",'
            '{"connectorId":1,"errorCode":"NoError","status":"Sleeping"}]',
            '[2,"p7","StatusNotification",'
            f'{{"timestamp":"{NOW}","connectorStatus":"Sleeping","evseId":1,"connectorId":1}}]',
        ),
        _payload(*PROPERTY, "p7"),
    ),
    # OCPP-J §4.1.3: a message type number not in the list is ignored; and a CALLERROR only
    # ever answers a CALL (2.1's CALLRESULTERROR and SEND expect no answer either).
    "an unknown message type": (('[9,"u9",{}]',) * 2, _same(None)),
    "a CALLRESULTERROR": (('[5,"u5","GenericError","",{}]',) * 2, _same(None)),
    "a SEND": (('[6,"u6","NotifyPeriodicEventStream",{}]',) * 2, _same(None)),
    "a broken CALLRESULT": (('[3,"u3"]',) * 2, _same(None)),
    "a CALLRESULT to no call": (('[3,"ghost",{}]',) * 2, _same(None)),
    "a CALLERROR to no call": (('[4,"ghost","GenericError","",{}]',) * 2, _same(None)),
}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_every_message_gets_its_versions_answer(engine: Engine, protocol: str) -> None:
    column = VERSIONS.index(protocol)
    which = 0 if protocol == V16 else 1
    async with connect(f"{engine.csms.url}/RAW", subprotocols=[protocol]) as ws:
        got = {
            what: answer_of(await exchange(ws, frames[which]))
            for what, (frames, _) in TABLE.items()
        }
        assert engine.csms.connected() == ["RAW"]
    assert got == {what: answers[column] for what, (_, answers) in TABLE.items()}


@pytest.mark.timeout(30)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_a_call_error_never_echoes_the_offending_message(
    engine: Engine, protocol: str
) -> None:
    big = "x" * 200_000
    wrong = [
        "not json " + big,
        f'[2,"e1","{big}",{{}}]',
        f'[2,"e2","Heartbeat",{{"{big}":1}}]',
        f'[2,"e3","DataTransfer",{{"vendorId":"{big}"}}]',
        f'[2,"e4","Heartbeat","{big}"]',
        f'["{big}","e5"]',
        f'[2,"{big}","Heartbeat",{{}}]',
    ]
    async with connect(f"{engine.csms.url}/RAW", subprotocols=[protocol]) as ws:
        for text in wrong:
            answer = await exchange(ws, text)
            assert answer is not None and answer[0] == 4
            assert len(orjson.dumps(answer)) < 600, answer[:3]
    # What the station sent is kept whole only when it was a readable CALL, never its garbage.
    malformed = [f for f in frames_of(engine, "RAW") if f.kind is Kind.MALFORMED]
    assert len(malformed) == 3
    assert all(len(encode(f)) < 1000 for f in malformed)


# --- side by side: the library alone, and the library inside ocppdeck -------------------
class _LibraryAnswers:
    """The same answers to a Heartbeat and a StatusNotification, on the plain library."""

    _call_result: Any

    @on("Heartbeat")
    def on_heartbeat(self) -> Any:
        return self._call_result.Heartbeat(current_time=NOW)

    @on("StatusNotification")
    def on_status_notification(self, **_: Any) -> Any:
        return self._call_result.StatusNotification()


@asynccontextmanager
async def library_csms(protocol: str) -> AsyncIterator[str]:
    """A CSMS that is nothing but the library's ChargePoint for `protocol`; its URL."""
    cls = type("LibraryCsms", (_LibraryAnswers, dialect(protocol).charge_point), {})
    quiet = logging.getLogger("tests.library_csms")

    async def handle(ws: ServerConnection) -> None:
        with suppress(ConnectionClosed):  # the test hung up
            await cls("LIB", ws, response_timeout=5, logger=quiet).start()

    async with serve(handle, "127.0.0.1", 0, subprotocols=[Subprotocol(protocol)]) as server:
        yield f"ws://127.0.0.1:{server.sockets[0].getsockname()[1]}"


ENUM_16 = '{"connectorId":1,"errorCode":"NoError","status":"Sleeping","info":"%s"}'
ENUM_2 = (
    f'{{"timestamp":"{NOW}","connectorStatus":"Sleeping","evseId":1,"connectorId":1,'
    '"customData":{"vendorId":"%s"}}'
)
FILLER = "f" * 50  # the most 1.6's `info` takes: the library echoes it in its details

# what is wrong -> (frame to 1.6, to 2.x) (the same Heartbeat / StatusNotification frames)
SIDE_BY_SIDE = {
    "not JSON": ("not json",) * 2,
    "a message id that is a number": ('[2,17,"Heartbeat",{}]',) * 2,
    "an unknown action": ('[2,"a1","NoSuchAction",{}]',) * 2,
    "a known action the CSMS does not take": ('[2,"a2","Reset",{}]',) * 2,
    "a required field missing": TABLE["a required field missing"][0],
    "a field not allowed": ('[2,"p3","Heartbeat",{"extra":1}]',) * 2,
    "a payload that is no object": ('[2,"p1","Heartbeat","beat"]',) * 2,
    "a value not in the enum": (
        f'[2,"p7","StatusNotification",{ENUM_16 % FILLER}]',
        f'[2,"p7","StatusNotification",{ENUM_2 % FILLER}]',
    ),
}
# (the library alone, ocppdeck): an error code, "result", None for no answer at all, and
# "echo" when the library's details repeat the payload it refused.
EXPECTED = {
    V16: {
        "not JSON": (None, "FormationViolation"),
        "a message id that is a number": ("result", "FormationViolation"),
        "an unknown action": ("NotSupported", "NotImplemented"),
        "a known action the CSMS does not take": ("NotImplemented", "NotSupported"),
        "a required field missing": ("ProtocolError", "OccurenceConstraintViolation"),
        "a field not allowed": ("FormatViolation", "OccurenceConstraintViolation"),
        "a payload that is no object": ("TypeConstraintViolation", "FormationViolation"),
        "a value not in the enum": ("FormatViolation echo", "PropertyConstraintViolation"),
    },
    V201: {
        "not JSON": (None, "RpcFrameworkError"),
        "a message id that is a number": ("result", "RpcFrameworkError"),
        "an unknown action": ("NotSupported", "NotImplemented"),
        "a known action the CSMS does not take": ("NotImplemented", "NotSupported"),
        "a required field missing": ("ProtocolError", "OccurrenceConstraintViolation"),
        "a field not allowed": ("FormatViolation", "OccurrenceConstraintViolation"),
        "a payload that is no object": ("TypeConstraintViolation", "FormatViolation"),
        "a value not in the enum": ("FormatViolation echo", "PropertyConstraintViolation"),
    },
}
EXPECTED[V21] = {
    **EXPECTED[V201],
    # 2.1: the library answers an action it cannot route with nothing at all.
    "an unknown action": (None, "NotImplemented"),
    "a known action the CSMS does not take": (None, "NotSupported"),
}


def _word(message: list[Any] | None) -> str | None:
    if message is None:
        return None
    if message[0] != 4:
        return "result"
    echoes = FILLER in orjson.dumps(message[4]).decode()
    return f"{message[2]} echo" if echoes else message[2]


@pytest.mark.timeout(30)
@pytest.mark.parametrize("protocol", VERSIONS)
async def test_the_library_alone_and_ocppdeck_side_by_side(engine: Engine, protocol: str) -> None:
    which = 0 if protocol == V16 else 1
    got: dict[str, tuple[str | None, str | None]] = {}
    async with (
        library_csms(protocol) as library_url,
        connect(f"{library_url}/LIB", subprotocols=[protocol]) as alone,
        connect(f"{engine.csms.url}/RAW", subprotocols=[protocol]) as ours,
    ):
        for what, frames in SIDE_BY_SIDE.items():
            got[what] = (
                _word(await exchange(alone, frames[which])),
                _word(await exchange(ours, frames[which])),
            )
    assert got == EXPECTED[protocol]


# --- answers to no call in flight -------------------------------------------------------
@pytest.mark.timeout(60)
async def test_large_answers_to_no_call_are_dropped_and_held_nowhere(tmp_path: Path) -> None:
    size = 1_000_000
    # The rate limit is core/csms/rate_limit.py's to test: here the messages come at once.
    async with (
        own_engine(tmp_path, station_rate_limit=0) as engine,
        connect(f"{engine.csms.url}/BIG", subprotocols=[V16]) as ws,
    ):
        for i in range(60):
            padding = "x" * (size - 40)
            text = f'[3,"ghost-{i}",{{"pad":"{padding}"}}]'
            if i % 2:
                text = f'[4,"ghost-{i}","GenericError","{padding}",{{}}]'
            await ws.send(text)
        # Still working: the next call is answered.
        assert answer_of(await exchange(ws, '[2,"h1","Heartbeat",{}]')) == ("h1", "result")
        assert strays_counted(engine) == 60
        frames = frames_of(engine, "BIG")
        strays = [f for f in frames if is_stray(f)]
        assert [f.unique_id for f in strays] == [f"ghost-{i}" for i in range(60)]
        # Each is recorded, in the frame log and the recording alike, as a short preview.
        assert all(f.direction is Direction.IN for f in strays)
        assert all(len(encode(f)) < 1000 for f in frames)
        # Neither the projection's early answers nor its snapshot holds them.
        waiting = engine.projection.waiting()
        assert not [key for key, _ in waiting.answers if key[1].startswith("ghost")]
        assert len(snapshot.dump(engine.projection, engine.bus.next_seq - 1)) < 100_000
        assert engine.state.stations["BIG"].errors == 60
    recording = sum(p.stat().st_size for p in tmp_path.rglob("recording*"))
    assert 0 < recording < 200_000


@pytest.mark.timeout(60)
async def test_a_command_is_answered_after_thousands_of_stale_answers(tmp_path: Path) -> None:
    async with (
        own_engine(tmp_path, station_rate_limit=0) as engine,
        connect(f"{engine.csms.url}/STALE", subprotocols=[V16]) as ws,
    ):
        for i in range(3000):
            await ws.send(f'[3,"stale-{i}",{{"configurationKey":[]}}]')
        assert answer_of(await exchange(ws, '[2,"h1","Heartbeat",{}]')) == ("h1", "result")
        command = engine.commands.get_configuration("STALE")
        asked = orjson.loads(await asyncio.wait_for(ws.recv(), 5))
        assert asked[:3] == [2, asked[1], "GetConfiguration"]
        keys = [{"key": "NumberOfConnectors", "readonly": True, "value": "2"}]
        answer = orjson.dumps([3, asked[1], {"configurationKey": keys}]).decode()
        await ws.send(answer)
        await ws.send(answer)  # the same answer again answers nothing: it is a stray too
        outcome = await asyncio.wait_for(command.future, 5)
        assert outcome.state is CallState.ANSWERED
        assert outcome.response.configuration_key == keys
        assert answer_of(await exchange(ws, '[2,"h2","Heartbeat",{}]')) == ("h2", "result")
        assert strays_counted(engine) == 3001
