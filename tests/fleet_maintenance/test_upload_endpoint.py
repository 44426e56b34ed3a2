"""The upload endpoint as a hostile client meets it: too large, a bad, expired or used
token, a name that climbs out of the station's folder, a station id that would."""

from __future__ import annotations

import stat
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
import pytest

from ocppdeck.core.engine import Engine
from ocppdeck.core.files.desk import FileDesk
from ocppdeck.core.files.uploads import listing, uploads_dir
from tests.helpers.api import api_client
from tests.helpers.engine import own_engine

MB = 1024 * 1024


@asynccontextmanager
async def engine_with_api(tmp_path: Path) -> AsyncIterator[tuple[Engine, FileDesk]]:
    async with own_engine(tmp_path, api_port=0, upload_max_mb=1, upload_station_mb=3) as engine:
        assert engine.api is not None
        yield engine, engine.api.desk


def everything_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


@pytest.mark.timeout(30)
async def test_a_put_is_kept_once_under_the_station_private_and_not_executable(
    tmp_path: Path,
) -> None:
    async with engine_with_api(tmp_path) as (_, desk), aiohttp.ClientSession() as http:
        url = desk.upload_url("CP-7")
        async with http.put(f"{url}/diag.log", data=b"line one\n") as response:
            assert response.status == 201
            assert (await response.json())["name"] == "diag.log"
        kept = uploads_dir(tmp_path) / "CP-7" / "diag.log"
        assert kept.read_bytes() == b"line one\n"
        mode = stat.S_IMODE(kept.stat().st_mode)
        assert mode == 0o600 and not mode & 0o111
        async with http.put(f"{url}/again.log", data=b"twice") as response:
            assert response.status == 403  # used once
        assert everything_under(uploads_dir(tmp_path)) == [kept]


@pytest.mark.timeout(30)
async def test_a_multipart_post_keeps_the_form_file_under_its_cleaned_name(
    tmp_path: Path,
) -> None:
    async with engine_with_api(tmp_path) as (_, desk), aiohttp.ClientSession() as http:
        form = aiohttp.FormData()
        form.add_field("note", "not a file")
        form.add_field("file", b"log\n", filename="../../../etc/cron.d/evil.sh")
        async with http.post(desk.upload_url("CP-7"), data=form) as response:
            assert response.status == 201
        assert everything_under(tmp_path / "uploads") == [tmp_path / "uploads/CP-7/evil.sh"]
        assert not (tmp_path / "etc").exists()


@pytest.mark.timeout(30)
async def test_a_name_or_station_that_climbs_stays_inside_the_uploads_folder(
    tmp_path: Path,
) -> None:
    async with engine_with_api(tmp_path) as (_, desk), aiohttp.ClientSession() as http:
        for station, name in (("CP-7", "..%2F..%2Fescaped.txt"), ("..", ".hidden")):
            url = desk.upload_url(station)
            async with http.put(f"{url}/{name}", data=b"x") as response:
                assert response.status == 201, station
        uploads = uploads_dir(tmp_path)
        assert everything_under(uploads) == [
            uploads / "CP-7/escaped.txt",
            uploads / "~2e~2e/hidden",
        ]
        assert [p for p in tmp_path.rglob("*escaped*")] == [uploads / "CP-7/escaped.txt"]
        assert {(u.station_id, u.name) for u in listing(tmp_path)} == {
            ("CP-7", "escaped.txt"),
            ("..", "hidden"),
        }


@pytest.mark.timeout(30)
async def test_too_large_is_refused_and_nothing_is_kept(tmp_path: Path) -> None:
    async with engine_with_api(tmp_path) as (_, desk), aiohttp.ClientSession() as http:
        big = b"x" * (MB + 1)
        async with http.put(desk.upload_url("CP-7") + "/big.log", data=big) as response:
            assert response.status == 413  # declared too large: refused before reading

        async def streamed() -> AsyncIterator[bytes]:  # no length given: counted as it comes
            for _ in range(17):
                yield b"y" * 64 * 1024

        async with http.put(desk.upload_url("CP-7") + "/big.log", data=streamed()) as response:
            assert response.status == 413
        assert everything_under(tmp_path / "uploads") == []


@pytest.mark.timeout(30)
async def test_a_station_folder_is_bounded_in_total(tmp_path: Path) -> None:
    async with engine_with_api(tmp_path) as (_, desk), aiohttp.ClientSession() as http:
        part = b"z" * (MB - 10)
        statuses = []
        for n in range(4):
            async with http.put(f"{desk.upload_url('CP-7')}/{n}.log", data=part) as response:
                statuses.append(response.status)
        assert statuses == [201, 201, 201, 413]  # 3 MB per station
        async with http.put(f"{desk.upload_url('CP-8')}/0.log", data=part) as response:
            assert response.status == 201  # another station has its own room


@pytest.mark.timeout(30)
async def test_a_bad_or_expired_token_is_refused(tmp_path: Path) -> None:
    async with engine_with_api(tmp_path) as (engine, desk), aiohttp.ClientSession() as http:
        assert engine.api is not None
        good = desk.upload_url("CP-7")
        expired = engine.api.url + desk.signer.upload_path("CP-7", int(engine.clock.now()) - 1, "n")
        other_station = good.replace("/uploads/CP-7/", "/uploads/CP-8/")
        forged = good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB")
        for url in (expired, other_station, forged):
            async with http.put(url + "/x.log", data=b"x") as response:
                assert response.status == 403, url
        async with http.put(engine.api.url + "/uploads/CP-7/x.log", data=b"x") as response:
            assert response.status in (401, 403, 404, 405)
        assert everything_under(tmp_path / "uploads") == []


@pytest.mark.timeout(30)
async def test_the_operator_lists_uploads_and_asks_for_urls_with_the_token(
    tmp_path: Path,
) -> None:
    async with (
        engine_with_api(tmp_path) as (engine, desk),
        api_client(engine) as client,
        aiohttp.ClientSession() as http,
    ):
        async with http.put(desk.upload_url("CP-7") + "/a.log", data=b"abc") as response:
            assert response.status == 201
        async with client.get("/api/uploads") as response:
            [shown] = (await response.json())["uploads"]
        assert (shown["station"], shown["name"], shown["size"]) == ("CP-7", "a.log", 3)
        async with client.post("/api/stations/NOPE/upload-url") as response:
            assert response.status == 404
        async with client.post("/api/files/fw.bin/url") as response:
            assert response.status == 409  # no files dir
    async with (
        engine_with_api(tmp_path / "again") as (engine, _),
        api_client(engine, token="wrong") as client,
        client.get("/api/uploads") as response,
    ):
        assert response.status == 401
