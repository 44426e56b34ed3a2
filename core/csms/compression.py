"""permessage-deflate (RFC 7692) as the CSMS negotiates it, or not at all.

OCPP 2.0.1 and 2.1 (Part 4, §3.3) say a CSMS SHALL support it; OCPP 1.6J (§5.1)
recommends against it, and most chargers never offer it. A station that does not
offer it costs nothing either way: compression is negotiated per connection.

websockets' own default keeps a compressor and a decompressor per connection
(about 43 kB of zlib state, as much as the rest of an idle station). Here both
sides give up context takeover, so zlib state exists only while one message is
compressed or decompressed: an idle station holds none, and OCPP's large
messages (reports, configuration, local lists) still shrink on their own.
"""

from __future__ import annotations

from websockets.extensions.base import ServerExtensionFactory
from websockets.extensions.permessage_deflate import ServerPerMessageDeflateFactory

WINDOW_BITS = 12  # websockets' own choice: most of the gain for 4 kB of window
MEM_LEVEL = 5


def extensions(permessage_deflate: bool) -> list[ServerExtensionFactory]:
    """The server's extension factories: permessage-deflate without context takeover, or
    none (a station that offers it then talks uncompressed)."""
    if not permessage_deflate:
        return []
    return [
        ServerPerMessageDeflateFactory(
            server_no_context_takeover=True,
            client_no_context_takeover=True,
            server_max_window_bits=WINDOW_BITS,
            client_max_window_bits=WINDOW_BITS,
            compress_settings={"memLevel": MEM_LEVEL},
        )
    ]
