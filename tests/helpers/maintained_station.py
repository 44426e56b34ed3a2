"""A live engine with its control API and a files dir, one simulated station of a version
on 127.0.0.1, and a firmware image signed by a key of the test's own."""

from __future__ import annotations

import base64
import datetime
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from ocppdeck.core.engine import Engine
from ocppdeck.core.files.desk import FileDesk
from ocppdeck.core.model.state import StationState, Topic
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.sim_csms import QUIET

IMAGE = b"ocppdeck firmware 2.0\n" * 2048  # 45 kB: more than one chunk on the wire
IMAGE_NAME = "fw-2.0.bin"


@dataclass(frozen=True, slots=True)
class Live:
    """The engine, its API's desk (URLs), and the station's id."""

    engine: Engine
    desk: FileDesk
    station_id: str

    @property
    def station(self) -> StationState:
        return self.engine.state.stations[self.station_id]

    def statuses(self, topic: Topic) -> list[str]:
        """Every step the station reported of a job topic, oldest first."""
        return [n.status for n in self.station.history(topic)]

    async def reported(self, topic: Topic, status: str, timeout: float = 20.0) -> None:
        """Wait until the newest notice of the topic says `status`."""

        def said() -> bool:
            station = self.engine.state.stations.get(self.station_id)
            latest = station.latest(topic) if station is not None else None
            return latest is not None and latest.status == status

        await wait_for(said, timeout)


@asynccontextmanager
async def live_station(tmp_path: Path, protocol: str, **settings: Any) -> AsyncIterator[Live]:
    """The engine (API on a free port, files dir holding IMAGE) and one booted station."""
    files = tmp_path / "files"
    files.mkdir()
    (files / IMAGE_NAME).write_bytes(IMAGE)
    data = tmp_path / "data"
    async with own_engine(data, api_port=0, files_dir=files, **settings) as engine:
        assert engine.api is not None
        [spec] = fleet_specs(1, seed=5, protocols=[protocol])
        fleet = Fleet([spec], engine.csms.url, QUIET)
        await fleet.start()
        try:
            await wait_for(lambda: fleet.stations[0].booted, timeout=10)
            yield Live(engine, engine.api.desk, spec.station_id)
        finally:
            await fleet.close()


@dataclass(frozen=True, slots=True)
class Signing:
    """A firmware signing certificate (PEM) and the signature of IMAGE under its key."""

    certificate: str
    signature: str


def signing() -> Signing:
    """A fresh P-256 key, its self-signed certificate, and IMAGE signed with it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ocppdeck firmware signer")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    pem = certificate.public_bytes(serialization.Encoding.PEM).decode()
    signed = key.sign(IMAGE, ec.ECDSA(hashes.SHA256()))
    return Signing(pem, base64.b64encode(signed).decode())
