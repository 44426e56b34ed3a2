"""The CSMS's own HTTP requests to services a run names (OCSP responders, a contract
certificate provider): one aiohttp session, opened when first used, closed with the CSMS.

What comes back is read as hostile: no redirects are followed, no proxy is read
from the environment, nothing is decompressed, each request has its timeout and
at most `max_bytes` of an answer are read.
"""

from __future__ import annotations

import aiohttp


class HttpFailure(Exception):
    """A request that got no usable answer; the message says why (URL bounded, escaped)."""


class Session:
    """The CSMS's outgoing HTTP for contract certificates: one aiohttp session, opened when
    first used, that never follows redirects, reads proxies from nowhere, never
    decompresses, and reads at most `max_bytes` of an answer."""

    def __init__(self) -> None:
        self._http: aiohttp.ClientSession | None = None

    def _client(self) -> aiohttp.ClientSession:
        if self._http is None:
            self._http = aiohttp.ClientSession(
                trust_env=False,
                auto_decompress=False,
            )
        return self._http

    async def post(
        self,
        url: str,
        body: bytes,
        content_type: str,
        max_bytes: int,
        timeout: float,
    ) -> bytes:
        """POST `body`; the answer's bytes, or HttpFailure (unreachable, slow, not 200,
        too long)."""
        try:
            async with self._client().post(
                url,
                data=body,
                headers={"Content-Type": content_type},
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as answer:
                if answer.status != 200:
                    raise HttpFailure(f"{printable(url)} answered HTTP {answer.status}")
                data = await _read(answer.content, max_bytes + 1)
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            raise HttpFailure(
                f"{printable(url)} could not be asked ({type(exc).__name__})"
            ) from None
        if len(data) > max_bytes:
            raise HttpFailure(f"{printable(url)} answered more than {max_bytes} bytes")
        return data

    async def close(self) -> None:
        """Close the HTTP session, if one was opened."""
        if self._http is not None:
            await self._http.close()
            self._http = None


async def _read(stream: aiohttp.StreamReader, limit: int) -> bytes:
    """The stream's bytes until its end or `limit` of them, whichever comes first."""
    data = bytearray()
    while len(data) < limit:
        chunk = await stream.read(limit - len(data))
        if not chunk:
            break
        data += chunk
    return bytes(data)


def printable(url: str) -> str:
    """A URL as logs and answers show it: bounded, control characters escaped."""
    return url[:120].encode("unicode_escape").decode("ascii")
