"""Get15118EVCertificate forwarded to a contract certificate provider, as real CSMSes hand
the EV's EXI request to a certificate pool: ocppdeck does not decode EXI.

The provider (`--contract-cert-provider URL`) takes a JSON POST of
`{"stationId", "iso15118SchemaVersion", "action", "exiRequest"}` (and 2.1's
`maximumContractCertificateChains` / `prioritizedEMAIDs` when the station sent
them) and answers `{"exiResponse": BASE64}`. Its answer is read as hostile
too: bounded in bytes, JSON of that shape, base64 that decodes, and no longer
than the station's schema lets an exiResponse be.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping
from typing import Any

import orjson

from .outgoing_http import HttpFailure, Session

TIMEOUT_S = 10.0
MAX_ANSWER_BYTES = 64 * 1024
_PASSED_ON = {
    "maximum_contract_certificate_chains": "maximumContractCertificateChains",
    "prioritized_emai_ds": "prioritizedEMAIDs",  # as the payload keys convert it
}


class ProviderFailed(Exception):
    """No EXI response to give the station; the message says why."""


class EvCertificateProvider:
    """The provider at `url`, asked over the CSMS's outgoing HTTP `session`."""

    def __init__(self, url: str, session: Session) -> None:
        self.url = url
        self._session = session

    async def exi_response(
        self,
        station_id: str,
        schema_version: str,
        action: str,
        exi_request: str,
        longest: int,
        extra: Mapping[str, Any],
    ) -> str:
        """The provider's base64 EXI response, at most `longest` characters; ProviderFailed."""
        request: dict[str, Any] = {
            "stationId": station_id,
            "iso15118SchemaVersion": schema_version,
            "action": action,
            "exiRequest": exi_request,
        }
        for key, wire in _PASSED_ON.items():
            if extra.get(key) is not None:
                request[wire] = extra[key]
        try:
            body = await self._session.post(
                self.url, orjson.dumps(request), "application/json", MAX_ANSWER_BYTES, TIMEOUT_S
            )
        except HttpFailure as exc:
            raise ProviderFailed(str(exc)) from None
        return _exi_of(body, longest)


def _exi_of(body: bytes, longest: int) -> str:
    try:
        answer = orjson.loads(body)
    except orjson.JSONDecodeError:
        raise ProviderFailed("the provider's answer is not JSON") from None
    exi = answer.get("exiResponse") if isinstance(answer, dict) else None
    if not isinstance(exi, str) or not exi:
        raise ProviderFailed("the provider's answer has no exiResponse")
    if len(exi) > longest:
        raise ProviderFailed(f"the provider's exiResponse is longer than {longest} characters")
    try:
        base64.b64decode(exi, validate=True)
    except (binascii.Error, ValueError):
        raise ProviderFailed("the provider's exiResponse is not base64") from None
    return exi
