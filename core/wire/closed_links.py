"""The reference cycles websockets leaves on a closed connection, broken.

A long run's collector (core/collector.py) puts full collections off, so what a cycle
holds waits for one: a closed connection with its permessage-deflate state (hundreds
of kB) for each station that reconnects. The CSMS's station connections and the
simulator's links are released here as soon as they are closed, for reference
counting to free them.
"""

from __future__ import annotations

from websockets.protocol import Protocol, State


def release(connection: object) -> None:
    """Break the cycles of a closed connection's protocol: its parser, a generator
    suspended for good whose frame holds the protocol, and the error the parser stopped
    on (an EOFError when the peer dropped the link without a close), whose traceback
    holds it too. A connection still closing is left alone: websockets steps its parser
    until the socket is gone. A stand-in for a connection (the scenario runner's
    recorded socket) has no protocol of websockets': nothing to release."""
    protocol = getattr(connection, "protocol", None)
    if not isinstance(protocol, Protocol) or protocol.state is not State.CLOSED:
        return
    protocol.parser.close()
    if protocol.parser_exc is not None:
        protocol.parser_exc.__traceback__ = None
