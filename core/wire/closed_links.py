"""The reference cycles websockets leaves on a closed connection, broken.

A long run's collector (core/collector.py) puts full collections off, so what a cycle
holds waits for one: a closed connection with its permessage-deflate state (hundreds
of kB) for each station that reconnects. The CSMS's station connections and the
simulator's links are released here as soon as they are closed, for reference
counting to free them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from websockets.protocol import Protocol, State


class ReleasedOnClose:
    """For a subclass of websockets' asyncio connection: `release` runs as soon as its
    socket is gone, and it keeps the socket transport under a TLS one. asyncio's SSL
    transport lets go of that transport before the connection hears it is lost, and the
    socket transport keeps its own read callback as a plain one does: without this, the
    socket of every closed TLS station would wait for a collection."""

    socket_transport: asyncio.BaseTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        ssl_protocol = getattr(transport, "_ssl_protocol", None)
        self.socket_transport = getattr(ssl_protocol, "_transport", None)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)  # type: ignore[misc]
        release(self)


def release(connection: object) -> None:
    """Break the cycles of a closed connection: its protocol's parser, a generator
    suspended for good whose frame holds the protocol; a server's subprotocol chooser,
    a closure over the connection bound onto its protocol; the errors it kept (an EOFError
    when the peer dropped the link without a close, a malformed handshake's
    InvalidHeader, the BrokenPipeError of a write to a peer gone), whose tracebacks keep
    the frames of the calls that raised them, the connection's own methods among them;
    and its closed transport's read callback (and that of the socket transport under a
    TLS one, which `ReleasedOnClose` kept). A connection still closing is left alone:
    websockets steps its parser until the socket is gone. A stand-in for a connection
    (the scenario runner's recorded socket) has no protocol of websockets': nothing to
    release."""
    protocol = getattr(connection, "protocol", None)
    if not isinstance(protocol, Protocol) or protocol.state is not State.CLOSED:
        return
    protocol.parser.close()
    vars(protocol).pop("select_subprotocol", None)  # only a server's protocol has one
    connection_error = getattr(connection, "connection_exc", None)
    for error in (protocol.parser_exc, protocol.handshake_exc, connection_error):
        _drop_tracebacks(error)
    # asyncio's socket transport keeps its read callback, a method bound to itself, after
    # the socket is closed (Python 3.11): the transport and its socket object would stay.
    for transport in (
        getattr(connection, "transport", None),
        getattr(connection, "socket_transport", None),
    ):
        _drop_read_callback(transport)


def _drop_read_callback(transport: Any) -> None:
    if transport is not None and transport.is_closing() and hasattr(transport, "_read_ready_cb"):
        transport._read_ready_cb = None


def _drop_tracebacks(error: BaseException | None) -> None:
    """Drop the tracebacks of an error and of those it was raised from or during (a
    missing handshake header is a KeyError inside the InvalidHeader websockets keeps)."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        error.__traceback__ = None
        error = error.__cause__ or error.__context__
