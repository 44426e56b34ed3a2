"""Settings: CLI flags, then `OCPPDECK_*` environment variables, then a TOML file, then defaults."""

from __future__ import annotations

import dataclasses
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs

from .cluster.subjects import is_bus_url
from .csms.contract_roots import ContractError, load_roots
from .csms.tariff import TariffError, tariffs_of
from .dialects import DIALECTS

# Subprotocols the CSMS can serve; `Settings.protocols` may restrict them.
PROTOCOLS = tuple(DIALECTS)
DEFAULT_AUTOMATIONS = ("orphan-recovery", "connector-count")


def default_data_dir() -> Path:
    """The platform's user data directory for ocppdeck."""
    return Path(platformdirs.user_data_dir("ocppdeck", appauthor=False))


@dataclass(frozen=True, slots=True)
class Settings:
    """Everything a run can be told."""

    host: str = "127.0.0.1"
    port: int = 9000
    data_dir: Path = field(default_factory=default_data_dir)
    heartbeat_interval: int = 60
    call_timeout: float = 30.0
    accept_unknown_tags: bool = False
    default_id_tag: str = "TAG-0001"
    theme: str = "ocppdeck-dark"
    redraw_interval: float = 0.25
    recording_max_mb: int = 64  # the live recording rotates into a gzip segment past this
    # Retention of closed segments, oldest first (0: no limit). A segment goes only once a
    # snapshot covers it, so a restart still has the whole state.
    recording_keep_days: float = 0.0
    recording_keep_mb: int = 0
    # Memory the console's frame log holds (the newest frames, up to 200,000 of them); older
    # frames live on in the recording.
    frame_log_mb: int = 128
    protocols: tuple[str, ...] = PROTOCOLS  # subprotocols served; the station's order wins
    # Security (OCPP security profiles): 0 none, 1 Basic auth, 2 TLS + Basic, 3 TLS client certs.
    security_profile: int = 0
    tls_cert: Path | None = None  # the CSMS's certificate chain (PEM), profiles 2 and 3
    tls_key: Path | None = None  # its private key (PEM)
    tls_client_ca: Path | None = None  # the CA that signs station certificates, profile 3
    # A second port, TLS with tls_cert and tls_key, beside a plain one (profile 0 or 1): where
    # stations moving up to profile 2 and 3 connect (core/csms/profile_upgrade.py).
    tls_port: int | None = None
    # ocppdeck as that CA (core/csms/station_ca.py): it signs stations' CSRs with this
    # certificate and key, and profile 3 trusts it when no tls_client_ca is given.
    station_ca_cert: Path | None = None
    station_ca_key: Path | None = None
    # Plug & Charge (core/csms/contract_certificates.py): the contract CA root(s) trusted for
    # OCSP answers and EV contract chains; the OCSP responder hosts ("host" or "host:port")
    # the CSMS may ask (the URL is the station's: none unless listed); and the provider that
    # Get15118EVCertificate's EXI request is forwarded to ("": none).
    contract_ca_cert: Path | None = None
    ocsp_responder_hosts: tuple[str, ...] = ()
    contract_cert_provider: str = ""
    registration: str = "open"  # unknown stations: open, pending (an operator decides) or closed
    insecure: bool = False  # allow profile 0 on an address other than loopback
    concurrent_tx: bool = False  # may one id tag have several transactions open at once
    # Tariffs (core/csms/tariff.py): the price per kWh (0: none, no cost is told), its
    # currency, and per-station prices as "STATION=PRICE" (0 there: free).
    tariff_per_kwh: float = 0.0
    currency: str = "EUR"
    station_tariffs: tuple[str, ...] = ()
    # A station's connection: the largest message it may send (bigger ones close it, 1009),
    # the messages a second past which it is read slower (0: no limit), and how long it may
    # stay past that before it is disconnected. Real chargers send a few a second at most.
    max_frame_bytes: int = 1024 * 1024
    station_rate_limit: float = 100.0
    flood_patience: float = 10.0
    # Stations whose payloads are not checked against the schemas: firmware known not to
    # comply, which an operator chooses to serve anyway. The console marks them.
    unvalidated_stations: tuple[str, ...] = ()
    # Compress messages with stations that offer permessage-deflate (OCPP 2.0.1 and 2.1
    # require a CSMS to support it; most chargers never offer it). Off: they talk plain.
    permessage_deflate: bool = True
    # Automations on at start (entry-point names); auto-start is off unless asked for,
    # since it sends commands no operator gave.
    automations: tuple[str, ...] = DEFAULT_AUTOMATIONS
    auto_start_stations: tuple[str, ...] = ()  # stations auto-start acts on; empty: all
    auto_start_id_tag: str = ""  # the id tag auto-start uses; empty: default_id_tag
    # demo fleet
    stations: int = 5
    seed: int = 7
    speed: float = 1.0
    meter_interval: float = 5.0
    # The control API (core/api): off unless given a port (0: any free one); bearer token
    # from `api_token_file`, else generated into the data dir on first use.
    api_port: int | None = None
    api_host: str = "127.0.0.1"
    api_token_file: Path | None = None
    # Firmware and logs (core/files, README: Firmware and logs): the folder whose files the
    # API port serves through expiring signed URLs (None: none), the base URL stations reach
    # the API port at ("": http://api_host:api_port), how long a URL lasts, and the bounds
    # of what a station may upload: one file, and everything it has uploaded.
    files_dir: Path | None = None
    files_url: str = ""
    file_url_minutes: int = 60
    upload_max_mb: int = 64
    upload_station_mb: int = 512
    # A cluster (core/cluster, README: Scaling out): the NATS server whose JetStream stream
    # gets every frame ("": none, the single process), and this node's name on it
    # ("": the host name and CSMS port).
    bus: str = ""
    node: str = ""

    @property
    def recording_path(self) -> Path:
        """Where this run's frames are appended."""
        return self.data_dir / "recording.jsonl"

    @property
    def store_path(self) -> Path:
        """The TinyDB file."""
        return self.data_dir / "store.json"

    @property
    def snapshot_path(self) -> Path:
        """The newest state snapshot."""
        return self.data_dir / "snapshot.json"

    @property
    def log_path(self) -> Path:
        """Structured JSON log lines go here while the TUI owns the terminal."""
        return self.data_dir / "ocppdeck.log"


class SettingsError(ValueError):
    """A setting that cannot be used; the message names it."""


_FIELDS = {f.name: f for f in dataclasses.fields(Settings)}


def _coerce(name: str, value: Any) -> Any:
    kind = _FIELDS[name].type
    try:
        if kind == "bool":
            if isinstance(value, str):
                lowered = value.strip().lower()
                if lowered not in {"1", "0", "true", "false", "yes", "no", "on", "off"}:
                    raise ValueError(value)
                return lowered in {"1", "true", "yes", "on"}
            return bool(value)
        if kind in ("int", "int | None"):
            return int(value)
        if kind == "float":
            return float(value)
        if kind in ("Path", "Path | None"):
            return Path(value).expanduser()
        if kind == "tuple[str, ...]":
            return _protocols(value) if name == "protocols" else _names(value)
        return str(value)
    except (TypeError, ValueError):
        expected = (
            f"a comma-separated subset of {', '.join(PROTOCOLS)}" if name == "protocols" else kind
        )
        raise SettingsError(f"{name}: cannot use {value!r} (expected {expected})") from None


def _protocols(value: Any) -> tuple[str, ...]:
    """Protocols from "ocpp1.6,ocpp2.0.1" or a list; each must be one the CSMS serves."""
    items = value.split(",") if isinstance(value, str) else list(value)
    chosen = tuple(dict.fromkeys(str(p).strip() for p in items if str(p).strip()))
    unknown = [p for p in chosen if p not in PROTOCOLS]
    if not chosen or unknown:
        raise ValueError(value)
    return chosen


def _names(value: Any) -> tuple[str, ...]:
    """Names from "a,b" or a list, stripped, blanks and repeats dropped."""
    if not isinstance(value, str | list | tuple):
        raise TypeError(value)
    items = value.split(",") if isinstance(value, str) else value
    return tuple(dict.fromkeys(str(n).strip() for n in items if str(n).strip()))


def load_settings(
    cli: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
    defaults: Mapping[str, Any] | None = None,
) -> Settings:
    """Merge the sources in precedence order: CLI, environment, TOML file, `defaults`
    (a mode's own, such as the demo's), then the built-in defaults.

    CLI values of None mean "not given". Unknown keys in the file are an error,
    so a typo does not pass silently.
    """
    env = os.environ if env is None else env
    values: dict[str, Any] = {name: _coerce(name, v) for name, v in (defaults or {}).items()}
    if config_file is not None:
        try:
            with open(config_file, "rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise SettingsError(f"config file {config_file}: {exc}") from None
        for key, value in data.items():
            name = key.replace("-", "_")
            if name not in _FIELDS:
                raise SettingsError(f"config file {config_file}: unknown setting {key!r}")
            values[name] = _coerce(name, value)
    for name in _FIELDS:
        raw = env.get(f"OCPPDECK_{name.upper()}")
        if raw is not None and raw != "":
            values[name] = _coerce(name, raw)
    for name, value in (cli or {}).items():
        if value is not None and name in _FIELDS:
            values[name] = _coerce(name, value)
    settings = Settings(**values)
    if not 0 < settings.port < 65536 and settings.port != 0:
        raise SettingsError(f"port: {settings.port} is not a TCP port")
    if settings.tls_port is not None and not 0 <= settings.tls_port < 65536:
        raise SettingsError(f"tls_port: {settings.tls_port} is not a TCP port")
    if settings.api_port is not None and not 0 <= settings.api_port < 65536:
        raise SettingsError(f"api_port: {settings.api_port} is not a TCP port")
    if settings.bus and not is_bus_url(settings.bus):
        raise SettingsError(f"bus: {settings.bus!r} is not nats://HOST:PORT")
    if settings.speed <= 0:
        raise SettingsError("speed: must be above 0")
    for name in ("recording_keep_days", "recording_keep_mb"):
        if not getattr(settings, name) >= 0:  # NaN too
            raise SettingsError(f"{name}: must be 0 (no limit) or more")
    if settings.max_frame_bytes < 1024:
        raise SettingsError("max_frame_bytes: must be at least 1024")
    if min(settings.file_url_minutes, settings.upload_max_mb, settings.upload_station_mb) < 1:
        raise SettingsError("file_url_minutes, upload_max_mb and upload_station_mb: at least 1")
    if settings.files_dir is not None and not settings.files_dir.is_dir():
        raise SettingsError(f"files_dir: {settings.files_dir} is not a folder")
    if settings.frame_log_mb < 1:
        raise SettingsError("frame_log_mb: must be at least 1")
    if settings.station_rate_limit < 0 or settings.flood_patience <= 0:
        raise SettingsError("station_rate_limit must be 0 (none) or more, flood_patience above 0")
    try:
        tariffs_of(settings)
    except TariffError as exc:
        raise SettingsError(str(exc)) from None
    check_security(settings)
    return settings


REGISTRATIONS = ("open", "pending", "closed")
_LOOPBACK = ("127.", "::1", "localhost")


def check_security(settings: Settings) -> None:
    """SettingsError when the security settings do not fit together, saying why."""
    profile = settings.security_profile
    if profile not in (0, 1, 2, 3):
        raise SettingsError(f"security_profile: {profile} is not 0, 1, 2 or 3")
    if settings.registration not in REGISTRATIONS:
        raise SettingsError(
            f"registration: {settings.registration!r} is not one of {', '.join(REGISTRATIONS)}"
        )
    if profile >= 2 and (settings.tls_cert is None or settings.tls_key is None):
        raise SettingsError(f"security profile {profile} is TLS: give --tls-cert and --tls-key")
    if settings.tls_port is not None:
        if profile >= 2:
            raise SettingsError(
                f"tls_port: at security profile {profile} the CSMS port is TLS already; "
                "a TLS port goes beside a plain one (profile 0 or 1)"
            )
        if settings.tls_cert is None or settings.tls_key is None:
            raise SettingsError("a TLS port needs --tls-cert and --tls-key")
        if settings.tls_port != 0 and settings.tls_port == settings.port:
            raise SettingsError(f"tls_port: {settings.tls_port} is the CSMS port already")
    if (settings.station_ca_cert is None) != (settings.station_ca_key is None):
        raise SettingsError("a station CA is --station-ca-cert and --station-ca-key together")
    if profile == 3 and settings.tls_client_ca is None and settings.station_ca_cert is None:
        raise SettingsError(
            "security profile 3 checks client certificates: give --tls-client-ca, the CA "
            "that signs them (or --station-ca-cert, to sign them here)"
        )
    for name in ("tls_cert", "tls_key", "tls_client_ca", "station_ca_cert", "station_ca_key"):
        path = getattr(settings, name)
        if path is not None and not path.is_file():
            raise SettingsError(f"{name}: {path} is not a file")
    if settings.contract_ca_cert is not None:
        try:
            load_roots(settings.contract_ca_cert)
        except ContractError as exc:
            raise SettingsError(str(exc)) from None
    if settings.contract_cert_provider and not settings.contract_cert_provider.startswith(
        ("http://", "https://")
    ):
        raise SettingsError("contract_cert_provider: must be an http:// or https:// URL")
    if profile == 0 and not settings.insecure and not settings.host.startswith(_LOOPBACK):
        raise SettingsError(
            f"security profile 0 lets anyone who reaches {settings.host} act as any station: "
            "choose --security-profile 1, 2 or 3 (and register stations), or say --insecure"
        )
