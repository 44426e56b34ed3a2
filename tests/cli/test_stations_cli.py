"""`ocppdeck stations`: the registry from the command line, and a data dir only one run holds."""

from __future__ import annotations

import io
import re
import stat
from pathlib import Path

import pytest

from ocppdeck.core.clock import SystemClock
from ocppdeck.core.csms.passwords import verify_password
from ocppdeck.core.csms.registry import StationRegistry
from ocppdeck.core.csms.store import IdTag, Store
from ocppdeck.core.disk.lock import DataDirBusy, DataDirLock
from ocppdeck.core.engine import Engine
from ocppdeck.tui.cli import main
from tests.helpers.engine import make_settings


def stations(tmp_path: Path, *args: str) -> int:
    return main(["stations", "--data-dir", str(tmp_path), *args])


def test_add_list_set_password_and_remove(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert stations(tmp_path, "add", "CP-1") == 0
    out = capsys.readouterr().out
    [password] = re.findall(r"\(shown once\): (\S+)", out)
    assert len(password) == 40  # 20 random bytes, hex: a 1.6 AuthorizationKey
    store = Store(tmp_path / "store.json")
    entry = StationRegistry(store, SystemClock()).get("CP-1")
    store.close()
    assert entry is not None and entry.password_hash is not None
    assert password not in (tmp_path / "store.json").read_text()  # only its hash is kept
    assert verify_password(password, entry.password_hash)

    monkeypatch.setattr("sys.stdin", io.StringIO("my-own-password-123\n"))
    assert stations(tmp_path, "set-password", "CP-1", "--password-stdin") == 0
    assert "my-own-password-123" not in capsys.readouterr().out
    assert stations(tmp_path, "list") == 0
    assert "CP-1\taccepted\tpassword set" in capsys.readouterr().out

    assert stations(tmp_path, "add", "CP-1") == 2  # already there
    assert "already registered" in capsys.readouterr().err
    assert stations(tmp_path, "add", "not an id") == 2
    assert "1 to 48 characters" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert stations(tmp_path, "add", "CP-2", "--password-stdin") == 2
    assert "16 to 40" in capsys.readouterr().err

    assert stations(tmp_path, "remove", "CP-1") == 0
    assert stations(tmp_path, "remove", "CP-1") == 2
    assert stations(tmp_path, "list") == 0
    assert "no stations registered" in capsys.readouterr().out


async def test_a_running_engine_holds_its_data_dir(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = Engine(make_settings(tmp_path))
    try:
        with pytest.raises(DataDirBusy):
            Engine(make_settings(tmp_path))
        assert stations(tmp_path, "list") == 2
        assert "in use by another ocppdeck" in capsys.readouterr().err
    finally:
        await engine.close()
    DataDirLock(tmp_path).release()  # free again once the engine closed


async def test_the_data_dir_and_its_files_are_private(tmp_path: Path) -> None:
    data = tmp_path / "data"
    engine = Engine(make_settings(data))
    await engine.start()
    engine.store.put_id_tag(IdTag("TAG-1"))  # something for the store to write
    await engine.close()
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    for name in ("recording.jsonl", "store.json", "snapshot.json"):
        path = data / name
        assert path.exists(), name
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, name
