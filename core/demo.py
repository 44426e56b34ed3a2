"""A demo run: the live engine plus a simulated fleet connected to it over loopback."""

from __future__ import annotations

from dataclasses import replace

from .clock import Clock
from .config import Settings, SettingsError
from .csms.contract_certificates import load_contract_certificates
from .csms.store import store_files
from .csms.tls import pinned_context
from .demo_contracts import DemoContractPki, contract_id_tags
from .demo_master_pass import MasterPassOperator
from .demo_ocsp_responder import DemoOcspResponder
from .demo_tags import MASTER_PASS_GROUP, MASTER_PASSES, colleagues, demo_id_tags, drivers
from .disk.lock import DataDirLock
from .engine import Engine
from .scenario.fleet_models import shipped_models
from .sim.contract_certificate import ContractCertificate
from .sim.fleet import Fleet, fleet_specs
from .sim.spec import SimSettings

DEMO_ISO15118_SHARE = 0.5  # of 2.x sessions, an EV that tells its needs over ISO 15118
DEMO_EXTERNAL_LIMIT_EVERY = 120.0  # mean seconds between outside limits on a 2.x station
DEMO_WALK_UP_EVERY = 180.0  # mean seconds between tags presented at a station's sessions


class DemoRun(Engine):
    """An Engine whose stations are a simulated fleet, started and stopped with it."""

    mode = "demo"

    def __init__(
        self, settings: Settings, clock: Clock | None = None, lock: DataDirLock | None = None
    ) -> None:
        if settings.security_profile == 3:
            raise SettingsError(
                "the demo's stations have no client certificates: run ocppdeck serve with "
                "profile 3 and point ocppdeck simulate --cert/--key at it"
            )
        lock = lock or DataDirLock(settings.data_dir)  # never clear a dir another run uses
        # A demo starts fresh; the last demo's recording and store stay until then.
        stale = [settings.recording_path, *store_files(settings.store_path), settings.snapshot_path]
        stale += settings.data_dir.glob("recording-*.jsonl*")
        for path in stale:
            path.unlink(missing_ok=True)
        super().__init__(settings, clock, lock)
        self.fleet: Fleet | None = None
        self.ocsp_responder: DemoOcspResponder | None = None

    def describe(self) -> str:
        """Fleet size and where it connects."""
        return f"{self.settings.stations} simulated stations → {super().describe()}"

    async def start(self) -> None:
        """Start the CSMS, then point the fleet at it."""
        contracts = await self._start_contracts()
        try:
            await super().start()
        except BaseException:
            await self._stop_responder()
            raise
        # The fleet speaks what the CSMS serves, the stations taking those versions in turn.
        # Its stations are the shipped templates' models, firmware quirks included.
        specs = fleet_specs(
            self.settings.stations, self.settings.seed, self.settings.protocols, shipped_models()
        )
        if specs:
            # Its drivers' tags in two fleet groups, and a master pass the operator gives the
            # 2.x stations once they booted (core/demo_tags.py).
            self.store.put_id_tags(demo_id_tags())
            if contracts:
                self.store.put_id_tags(contract_id_tags())
            self.bus.subscribe(
                MasterPassOperator(self.commands, lambda: self.state, MASTER_PASS_GROUP)
            )
        passwords: dict[str, str] = {}
        if self.settings.security_profile in (1, 2):
            # Registered as an operator would, each with its own password.
            for spec in specs:
                _, passwords[spec.station_id] = self.csms.registry.add(spec.station_id)
        tls = None
        served = self.settings.security_profile == 2 or self.settings.tls_port is not None
        if served and self.settings.tls_cert is not None:
            # The demo trusts its own CSMS (profile 2, or the TLS port an upgrade moves to).
            tls = pinned_context(self.settings.tls_cert)
        sim = SimSettings(
            meter_interval=self.settings.meter_interval,
            speed=self.settings.speed,
            id_tags=drivers(self.settings.default_id_tag),
            passwords=passwords,
            tls=tls,
            security_events=True,  # as chargers do: the console's E and faults show them
            # 2.x smart charging the stations start: each within a few minutes of a demo.
            iso15118_share=DEMO_ISO15118_SHARE,
            external_limit_every=DEMO_EXTERNAL_LIMIT_EVERY,
            # Now and then a colleague ends a session of their fleet; rarely, a master pass.
            walk_up_every=DEMO_WALK_UP_EVERY,
            colleagues=colleagues(),
            master_passes=MASTER_PASSES,
            # Now and then an EV with a contract at a 2.x station: one good, one revoked.
            contract_certificates=contracts,
        )
        self.fleet = Fleet(specs, self.csms.url, sim, self.settings.seed, self.clock)
        await self.fleet.start()

    async def _start_contracts(self) -> tuple[ContractCertificate, ...]:
        """Plug & Charge (core/demo_contracts.py), unless the user set up their own contract
        CA, responders or provider: then the CSMS uses theirs and no EV has a contract (nor
        without a fleet, as a scenario's demo). The demo's CSMS trusts the demo's root and
        asks only its responder, on 127.0.0.1."""
        s = self.settings
        own = s.contract_ca_cert is not None or s.ocsp_responder_hosts or s.contract_cert_provider
        if own or s.stations <= 0:
            return ()
        pki = DemoContractPki(s.data_dir, s.seed, self.clock.now())
        self.ocsp_responder = DemoOcspResponder([pki.root, pki.sub_ca], self.clock)
        url = await self.ocsp_responder.start()
        contracts, self.ocsp_responder.revoked = pki.contracts(url)
        host = self.ocsp_responder.address  # that responder and nothing else on 127.0.0.1
        self.settings = replace(s, contract_ca_cert=pki.root_file, ocsp_responder_hosts=(host,))
        # Not yet used (its HTTP session opens on first use): replaced before any station.
        self.csms.contracts = load_contract_certificates(pki.root_file, (host,), "", self.clock)
        return contracts

    async def close(self) -> None:
        """Stop the fleet first so its goodbyes are recorded, then the engine, then the
        demo's OCSP responder."""
        if self.fleet is not None:
            await self.fleet.close()
            self.fleet = None
        await super().close()
        await self._stop_responder()

    async def _stop_responder(self) -> None:
        if self.ocsp_responder is not None:
            await self.ocsp_responder.close()
            self.ocsp_responder = None
