"""A CSMS with a station CA (ocppdeck signs station CSRs) over TLS, and a simulated station."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from ocppdeck.core.engine import Engine
from ocppdeck.core.sim.fleet import Fleet, fleet_specs
from ocppdeck.core.sim.station import SimStation
from tests.helpers.certs import Pki, make_pki
from tests.helpers.engine import own_engine, wait_for
from tests.helpers.sim_csms import QUIET

PASSWORD = "station-password-0123456789"


def ca_files(pki: Pki) -> tuple[Path, Path]:
    """The test CA as the station CA's certificate and key files."""
    key = pki.folder / "ca.key"
    pki.ca.private_key_pem.write_to_path(key)
    return pki.ca_file, key


@dataclass
class Secured:
    """An engine over TLS with a station CA, and one simulated station with a password."""

    engine: Engine
    station: SimStation
    pki: Pki

    @property
    def station_id(self) -> str:
        return self.station.spec.station_id


@asynccontextmanager
async def secured(
    tmp_path: Path, protocol: str, profile: int = 2, with_ca: bool = True, **settings: Any
) -> AsyncIterator[Secured]:
    """A booted station on a TLS CSMS (profile 2, or 3) whose station CA is the test CA."""
    pki = make_pki(tmp_path / "pki")
    cert, key = ca_files(pki)
    # With a station CA, the CSMS trusts the client certificates it signs (no
    # --tls-client-ca); without one, the test CA is the client CA.
    ca = {"station_ca_cert": cert, "station_ca_key": key} if with_ca else {}
    client_ca = None if with_ca else pki.ca_file
    async with own_engine(
        tmp_path / "data",
        security_profile=profile,
        tls_cert=pki.cert,
        tls_key=pki.key,
        tls_client_ca=client_ca,
        registration="closed",
        **ca,
        **settings,
    ) as engine:
        [spec] = fleet_specs(1, seed=11, protocols=[protocol])
        engine.csms.registry.add(spec.station_id, PASSWORD)
        # Profile 3: the station starts with a certificate of the test CA (as if installed
        # at the factory); ocppdeck's own replaces it.
        tls = pki.client(spec.station_id if profile == 3 else None)
        sim = replace(QUIET, password=PASSWORD, tls=tls, security_events=True)
        fleet = Fleet([spec], engine.csms.url, sim)
        await fleet.start()
        try:
            [station] = fleet.stations
            await wait_for(lambda: station.booted, timeout=10)
            yield Secured(engine, station, pki)
        finally:
            await fleet.close()
