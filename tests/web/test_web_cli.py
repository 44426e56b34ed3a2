"""`ocppdeck web` and `ocppdeck attach` with nothing to attach to: one clear line, exit 2,
and no CSMS of their own started."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocppdeck.core.api.bearer import TOKEN_FILE
from ocppdeck.tui.cli import main
from tests.helpers.web import free_port


@pytest.mark.timeout(30)
@pytest.mark.parametrize("command", [["web"], ["attach", "URL"]])
def test_nothing_running_is_said_in_one_line(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / TOKEN_FILE).write_text("a-token\n")
    url = f"http://127.0.0.1:{free_port()}"
    args = [url if a == "URL" else a for a in command] + ["--data-dir", str(tmp_path)]
    if command == ["web"]:
        args += ["--api-url", url]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert err == (
        f"ocppdeck: no running ocppdeck answers at {url}: start one with its API first, e.g. "
        "`ocppdeck serve --api-port 9080` (or `ocppdeck web --demo` for a demo)"
    )
    # Nothing of a CSMS was started on the data dir: no recording, no store, no lock.
    assert sorted(p.name for p in tmp_path.iterdir()) == [TOKEN_FILE]


@pytest.mark.timeout(30)
def test_web_without_a_token_says_no_instance_with_an_api_ran_there(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["web", "--data-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "no ocppdeck with an API has run there" in err
    assert "ocppdeck serve --api-port 9080" in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.timeout(30)
def test_web_replay_of_a_missing_file_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nothing.jsonl"
    assert main(["web", "--replay", str(missing), "--data-dir", str(tmp_path)]) == 2
    assert capsys.readouterr().err.strip() == f"ocppdeck: {missing}: no such file or folder"
