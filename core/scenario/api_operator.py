"""ocppdeck's control API as the operator hook of a scenario: each `operator` step is one
or two HTTP requests (aiohttp) with the API's bearer token."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import aiohttp

from ..api.client import quoted
from .operator import OperatorReply

REQUEST_TIMEOUT_S = 60.0  # a command waits for the station's answer (the CSMS's call timeout)


class ApiOperator:
    """The operator hook at `url` (e.g. http://127.0.0.1:9080), authorized by `token`."""

    def __init__(self, url: str, token: str, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self._token = token
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def _request(
        self, method: str, path: str, body: Mapping[str, Any] | None = None
    ) -> tuple[int, Any]:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self._token}"},
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            )
        try:
            async with self._session.request(
                method, self.url + path, json=dict(body) if body is not None else None
            ) as response:
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    data = None
                return response.status, data
        except (aiohttp.ClientError, TimeoutError) as exc:
            return 0, {"error": f"no API answers at {self.url} ({exc or type(exc).__name__})"}

    async def command(
        self, station_id: str, action: str, payload: Mapping[str, Any]
    ) -> OperatorReply:
        """POST the command; it went out when the API took it (the station's answer,
        a CallError or its silence are the station's business), or queued it (offline)."""
        path = f"/api/stations/{quoted(station_id)}/commands/{quoted(action)}"
        status, body = await self._request("POST", path, payload)
        if status in (200, 202, 502, 504):
            return OperatorReply(True, f"{action} sent (HTTP {status})")
        if status == 409 and isinstance(body, dict) and body.get("command"):
            return OperatorReply(True, f"{action} queued: the station is offline")
        return _refused(f"{action}", status, body)

    async def accept(self, station_id: str) -> OperatorReply:
        """POST …/accept."""
        status, body = await self._request("POST", f"/api/registry/{quoted(station_id)}/accept")
        if status == 200:
            asked = isinstance(body, dict) and body.get("bootRequested")
            return OperatorReply(True, "accepted" + ("; asked to boot again" if asked else ""))
        return _refused("accept", status, body)

    async def register(self, station_id: str, password: str) -> OperatorReply:
        """POST /api/registry, or PUT its password when it is registered already."""
        status, body = await self._request(
            "POST", "/api/registry", {"id": station_id, "password": password}
        )
        if status == 201:
            return OperatorReply(True, "registered")
        if status == 409:
            path = f"/api/registry/{quoted(station_id)}/password"
            status, body = await self._request("PUT", path, {"password": password})
            if status == 200:
                return OperatorReply(True, "registered already: password set")
        return _refused("register", status, body)

    async def id_tag(self, fields: Mapping[str, Any]) -> OperatorReply:
        """POST /api/id-tags, or PATCH the tag when it is kept already."""
        name = str(fields["idTag"])
        status, body = await self._request("POST", "/api/id-tags", fields)
        if status == 409:
            changes = {k: v for k, v in fields.items() if k != "idTag"}
            status, body = await self._request("PATCH", f"/api/id-tags/{quoted(name)}", changes)
        if status in (200, 201):
            shown = body.get("effectiveStatus") if isinstance(body, dict) else None
            return OperatorReply(True, f"id tag {name}" + (f": {shown}" if shown else ""))
        return _refused(f"id tag {name}", status, body)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None


def _refused(what: str, status: int, body: Any) -> OperatorReply:
    error = body.get("error") if isinstance(body, dict) else None
    said = f"HTTP {status}" if status else "no answer"
    return OperatorReply(False, f"the operator hook refused {what}: {error or said}")
