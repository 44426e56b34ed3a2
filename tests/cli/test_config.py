"""Settings precedence: flags over environment over the TOML file over defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.config import SettingsError, load_settings
from ocppdeck.tui.cli import build_parser, settings_from


def test_defaults_listen_on_loopback_9000() -> None:
    settings = load_settings({}, env={})
    assert (settings.host, settings.port) == ("127.0.0.1", 9000)
    assert settings.accept_unknown_tags is False


def test_flag_beats_environment_beats_file(tmp_path: Path) -> None:
    toml = tmp_path / "ocppdeck.toml"
    toml.write_text('port = 9100\nhost = "0.0.0.0"\nheartbeat_interval = 5\n')
    env = {"OCPPDECK_PORT": "9200", "OCPPDECK_HOST": "127.0.0.2"}
    settings = load_settings({"port": 9300}, env=env, config_file=toml)
    assert settings.port == 9300
    assert settings.host == "127.0.0.2"
    assert settings.heartbeat_interval == 5


def test_environment_booleans_are_read_strictly() -> None:
    assert load_settings({}, env={"OCPPDECK_ACCEPT_UNKNOWN_TAGS": "yes"}).accept_unknown_tags
    with pytest.raises(SettingsError, match="accept_unknown_tags"):
        load_settings({}, env={"OCPPDECK_ACCEPT_UNKNOWN_TAGS": "perhaps"})


def test_bad_values_name_the_setting(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="port"):
        load_settings({}, env={"OCPPDECK_PORT": "ninety"})
    toml = tmp_path / "bad.toml"
    toml.write_text("prot = 1\n")
    with pytest.raises(SettingsError, match="unknown setting 'prot'"):
        load_settings({}, env={}, config_file=toml)
    with pytest.raises(SettingsError, match="frame_log_mb"):
        load_settings({}, env={"OCPPDECK_FRAME_LOG_MB": "0"})
    flagged = settings_from(build_parser().parse_args(["serve", "--frame-log-mb", "16"]))
    assert flagged.frame_log_mb == 16


def test_demo_defaults_give_way_to_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OCPPDECK_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("OCPPDECK_HEARTBEAT_INTERVAL", "42")
    settings = settings_from(build_parser().parse_args(["demo"]))
    assert settings.data_dir == tmp_path / "demo"
    assert settings.port == 0  # a demo never clashes with a live console
    assert settings.heartbeat_interval == 42
    assert settings.accept_unknown_tags is True


def test_cli_exits_2_with_a_message_on_a_bad_setting(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ocppdeck.tui.cli import main

    monkeypatch.setenv("OCPPDECK_PORT", "70000")
    assert main(["serve"]) == 2
    assert "port" in capsys.readouterr().err


@pytest.mark.parametrize("command", [[], ["serve"], ["demo"]])
def test_flags_count_before_or_after_the_subcommand(tmp_path: Path, command: list[str]) -> None:
    flags = ["--data-dir", str(tmp_path), "--port", "9100", "--security-profile", "1"]
    flags += ["--registration", "closed", "--theme", "ocppdeck-light"]
    flags = flags if command != ["serve"] else flags[:-2]  # serve has no console flags
    before = settings_from(build_parser().parse_args([*flags, *command]))
    after = settings_from(build_parser().parse_args([*command, *flags]))
    assert before == after
    assert (before.data_dir, before.port, before.security_profile) == (tmp_path, 9100, 1)
    assert before.registration == "closed"
