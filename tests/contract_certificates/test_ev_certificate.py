"""Get15118EVCertificate forwarded to a loopback contract certificate provider: its EXI
response passed on, and what a provider gets wrong answered Failed, never a CallError."""

from __future__ import annotations

import base64
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from ocppdeck.core.sim.contract_certificate import library_call
from tests.helpers.contract_pki import EXI_RESPONSE, certificate_provider
from tests.helpers.engine import own_engine
from tests.helpers.station2x import VERSIONS, station

EXI_REQUEST = base64.b64encode(b"\x80\x98 a CertificateInstallationReq").decode()


async def _ask(cp: Any, lib: ModuleType) -> Any:
    return await cp.call(
        library_call(
            lib.call.Get15118EVCertificate,
            iso15118_schema_version="urn:iso:15118:2:2013:MsgDef",
            action="Install",
            exi_request=EXI_REQUEST,
        ),
        suppress=False,  # a CallError raises: the test fails
    )


@pytest.mark.timeout(30)
@pytest.mark.parametrize(("protocol", "lib"), VERSIONS)
async def test_the_providers_exi_response_is_passed_on(
    tmp_path: Path, protocol: str, lib: ModuleType
) -> None:
    async with certificate_provider() as provider:
        settings = {"contract_cert_provider": provider.url}
        async with own_engine(tmp_path, **settings) as engine, station(engine, protocol, lib) as cp:
            answer = await _ask(cp, lib)
    assert answer.status == "Accepted"
    assert answer.exi_response == EXI_RESPONSE
    [sent] = provider.received
    assert sent["exiRequest"] == EXI_REQUEST and sent["action"] == "Install"
    assert sent["stationId"] == "PNC-1"


@pytest.mark.timeout(30)
@pytest.mark.parametrize(
    "reply",
    [
        b"<html>not json</html>",
        b'{"exiResponse": "not base64 !!"}',
        b'{"exiResponse": "' + b"A" * 20_000 + b'"}',  # longer than any exiResponse may be
        b'{"exiResponse": "' + b"A" * 70_000 + b'"}',  # more bytes than are read at all
    ],
    ids=["garbage", "not base64", "too long", "oversize"],
)
async def test_a_bad_provider_answer_is_failed(tmp_path: Path, reply: bytes) -> None:
    protocol, lib = VERSIONS[0]
    async with certificate_provider() as provider:
        provider.answer = reply
        settings = {"contract_cert_provider": provider.url}
        async with own_engine(tmp_path, **settings) as engine, station(engine, protocol, lib) as cp:
            answer = await _ask(cp, lib)
    assert answer.status == "Failed"
    assert answer.status_info["reason_code"] == "ProviderFailed"
    assert answer.exi_response == ""
