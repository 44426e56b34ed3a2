"""The Plug & Charge flags reach the settings, and settings that cannot work are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.config import SettingsError, load_settings
from ocppdeck.tui.cli import build_parser
from tests.helpers.contract_pki import ContractPki


def test_the_flags_reach_the_settings(tmp_path: Path) -> None:
    pki = ContractPki(tmp_path)
    args = build_parser().parse_args(
        [
            "serve",
            "--contract-ca-cert",
            str(pki.root_file),
            "--ocsp-responder-hosts",
            "ocsp.example.com, ocsp.example.org:8080",
            "--contract-cert-provider",
            "https://pool.example.com/exi",
        ]
    )
    settings = load_settings(cli=vars(args), env={})
    assert settings.contract_ca_cert == pki.root_file
    assert settings.ocsp_responder_hosts == ("ocsp.example.com", "ocsp.example.org:8080")
    assert settings.contract_cert_provider == "https://pool.example.com/exi"


def test_nothing_is_configured_by_default() -> None:
    settings = load_settings(env={})
    assert settings.contract_ca_cert is None
    assert settings.ocsp_responder_hosts == ()  # no station-named responder is asked
    assert settings.contract_cert_provider == ""


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("contract_ca_cert", "/no/such/root.pem"),
        ("contract_ca_cert", __file__),  # a file, but no certificate in it
        ("contract_cert_provider", "file:///etc/passwd"),
    ],
)
def test_unusable_settings_are_refused(setting: str, value: str) -> None:
    with pytest.raises(SettingsError, match=setting):
        load_settings(cli={setting: value}, env={})
