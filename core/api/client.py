"""The API's client, for `ocppdeck send`, `state` and `tail`: plain HTTP from the standard
library, so these commands start fast and need no event loop."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from http.client import HTTPResponse
from typing import Any

from ..config import Settings

DEFAULT_PORT = 9080  # where the commands look when no api_port is set anywhere
TIMEOUT_S = 120.0  # a command waits for its station's answer; a stream for its next event


class ApiUnreachable(Exception):
    """Nothing answers at the API's address; the message says where it looked."""


@dataclass(frozen=True, slots=True)
class Answer:
    """An API response: its HTTP status and JSON body."""

    status: int
    body: Any

    @property
    def ok(self) -> bool:
        """A 2xx status."""
        return 200 <= self.status < 300

    @property
    def error(self) -> str:
        """What an error body says (or the status alone)."""
        if isinstance(self.body, dict) and isinstance(self.body.get("error"), str):
            return self.body["error"]
        return f"HTTP {self.status}"


class ApiRefused(Exception):
    """An API request answered with an error status."""

    def __init__(self, answer: Answer) -> None:
        super().__init__(answer.error)
        self.answer = answer


def default_url(settings: Settings) -> str:
    """Where a running instance's API is, by the settings (its host and port)."""
    host = settings.api_host
    port = settings.api_port or DEFAULT_PORT
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@dataclass(frozen=True, slots=True)
class ApiClient:
    """Requests to one API, with its token."""

    url: str
    token: str
    timeout: float = TIMEOUT_S

    def _open(self, method: str, path: str, body: bytes | None = None) -> HTTPResponse:
        request = urllib.request.Request(
            self.url.rstrip("/") + path,
            data=body,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            response: HTTPResponse = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            return exc  # type: ignore[return-value]  # an error status is an answer too
        except (TimeoutError, urllib.error.URLError, ConnectionError) as exc:
            reason = getattr(exc, "reason", exc)
            raise ApiUnreachable(
                f"no ocppdeck API answers at {self.url} ({reason}): is ocppdeck running with "
                "--api-port?"
            ) from None
        return response

    def call(self, method: str, path: str, body: bytes | None = None) -> Answer:
        """One request; its status and JSON body. ApiUnreachable when nothing answers, or
        when what answers is not this API."""
        with self._open(method, path, body) as response:
            raw = response.read()
        status = response.status
        try:
            return Answer(status, json.loads(raw) if raw else None)
        except ValueError:
            raise ApiUnreachable(f"{self.url} answers, but not as the ocppdeck API") from None

    def events(self, path: str) -> Iterator[tuple[str, str]]:
        """Server-sent events as (event, data) until the stream ends; ApiRefused for an
        error status, ApiUnreachable when nothing answers."""
        response = self._open("GET", path)
        with response:
            if response.status != 200:
                raw = response.read()
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = None
                raise ApiRefused(Answer(response.status, body))
            name, data = "message", []
            for raw_line in response:
                line = raw_line.decode("utf-8", "replace").rstrip("\r\n")
                if not line:
                    if data:
                        yield name, "\n".join(data)
                    name, data = "message", []
                elif line.startswith(":"):
                    continue  # a comment: the stream's keepalive
                else:
                    field, _, value = line.partition(":")
                    value = value.removeprefix(" ")
                    if field == "event":
                        name = value
                    elif field == "data":
                        data.append(value)


def quoted(part: str) -> str:
    """A station id, action or tag as one path segment."""
    return urllib.parse.quote(part, safe="")
