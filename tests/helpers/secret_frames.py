"""Frames full of what `ocppdeck redact` must hide: one 1.6 and one 2.0.1 station whose
traffic holds every sort of identifying value, each in a schema-valid message (but for
the one deliberately invalid call the CSMS answers with a CallError that echoes it).

`SECRETS` lists every identifying value the frames hold, as literals: a test looks for
each in the redacted bytes without asking the redactor what it replaced.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ocppdeck.core.clock import to_iso
from ocppdeck.core.wire.codec import encode
from ocppdeck.core.wire.frame import Direction, Frame, Kind

T0 = 1_748_764_800.0  # 2025-06-01T08:00:00Z
V16, V201 = "ocpp1.6", "ocpp2.0.1"
IN, OUT = Direction.IN, Direction.OUT
ENERGY = "Energy.Active.Import.Register"

STATION_16 = "ACME-BERLIN-0042"
STATION_201 = "EVSE-HAMBURG-7"
TAG_16 = "04A2B3C4D5E6F7"
PARENT_16 = "FLEET-PARENT-9"
LOCAL_TAG = "LOCAL-TAG-1"
MALFORMED_TAG = "MALF-TAG-31"  # only ever in a malformed message's raw text
TOKEN_201 = "DE*ABC*E1234567*8"
TOKEN_TX = "A1B2C3D4"
GROUP_201 = "GROUP-77"
AUTH_KEY = "0011223344556677889900112233445566778899"
BASIC_PASSWORD = "hunter2-basic-auth-pw"
PEER = "10.20.30.40"


def _pem(label: str, body: str) -> str:
    return f"-----BEGIN {label}-----\n{body}\n-----END {label}-----\n"


CERTIFICATE = _pem("CERTIFICATE", "MIIBszCCAVmgAwIBAgIUSECRETCERTBODYacmeBerlin0042xyz")
CSR = _pem("CERTIFICATE REQUEST", "MIIBSECRETCSRBODYevseHamburg7qq")
SIGNING = _pem("CERTIFICATE", "MIIBSECRETSIGNINGBODYfirmwareVendorKey")

SECRETS = (
    STATION_16,
    STATION_201,
    TAG_16,
    PARENT_16,
    LOCAL_TAG,
    MALFORMED_TAG,
    TOKEN_201,
    TOKEN_TX,
    GROUP_201,
    AUTH_KEY,
    BASIC_PASSWORD,
    PEER,
    "CPSN-77881",
    "CBSN-55120",
    "MTR-99001",
    "8931440400012345678",
    "310150123456789",
    "HH-SN-00017",
    "3A5F9C",
    "https://fw.acme-chargers.example/builds/fw-1.5.bin",
    "acme-chargers.example",
    "diag:s3cretFtp@upload.acme.example",
    "fw.example-cpo.test",
    "logs.example-cpo.test",
    "csms.example-cpo.test",
    "ocsp.example-ca.test",
    "vpn.example-cpo.test",
    "vpnuser-hh",
    "vpn-pass-123",
    "vpn-shared-key-xyz",
    "apn-user-hh",
    "apn-pass-hh",
    "SECRETCERTBODY",
    "SECRETCSRBODY",
    "SECRETSIGNINGBODY",
    "c0ffee" * 10,
    "Jane Roe",
    "Max Mustermann",
)


class _Traffic:
    """Frames in capture order, a second apart; message ids from a counter."""

    def __init__(self) -> None:
        self.frames: list[Frame] = []

    def _at(self) -> float:
        return T0 + len(self.frames)

    def add(self, station: str, way: Direction, kind: Kind, **fields: Any) -> None:
        self.frames.append(Frame(self._at(), station, way, kind, **fields))

    def call(
        self, station: str, protocol: str, action: str, payload: Any, answer: Any, way=IN
    ) -> None:
        uid = f"m{len(self.frames)}"
        back = OUT if way is IN else IN
        self.add(
            station,
            way,
            Kind.CALL,
            unique_id=uid,
            action=action,
            payload=payload,
            protocol=protocol,
        )
        self.add(station, back, Kind.RESULT, unique_id=uid, payload=answer, protocol=protocol)


def _sample_16(wh: int) -> dict[str, Any]:
    value = {"value": str(wh), "measurand": ENERGY, "unit": "Wh", "location": "Outlet"}
    return {"timestamp": to_iso(T0 + wh), "sampledValue": [value]}


def _sample_201(wh: float) -> dict[str, Any]:
    value = {"value": wh, "measurand": ENERGY, "unitOfMeasure": {"unit": "Wh"}, "location": "Inlet"}
    return {"timestamp": to_iso(T0 + wh), "sampledValue": [value]}


def _station_16(t: _Traffic) -> None:
    st, call = STATION_16, lambda *a, **k: t.call(STATION_16, V16, *a, **k)
    t.add(st, IN, Kind.CONNECTED, protocol=V16, text=f"from {PEER}:51234")
    boot = {
        "chargePointVendor": "ACME",
        "chargePointModel": "Twin22",
        "chargePointSerialNumber": "CPSN-77881",
        "chargeBoxSerialNumber": "CBSN-55120",
        "meterSerialNumber": "MTR-99001",
        "iccid": "8931440400012345678",
        "imsi": "310150123456789",
        "firmwareVersion": "1.4.2",
    }
    call(
        "BootNotification", boot, {"status": "Accepted", "currentTime": to_iso(T0), "interval": 300}
    )
    info = {"status": "Accepted", "parentIdTag": PARENT_16}
    call("Authorize", {"idTag": TAG_16}, {"idTagInfo": info})
    start = {"connectorId": 1, "idTag": TAG_16, "meterStart": 1000, "timestamp": to_iso(T0 + 5)}
    call("StartTransaction", start, {"transactionId": 42, "idTagInfo": info})
    metered = {"connectorId": 1, "transactionId": 42, "meterValue": [_sample_16(1500)]}
    call("MeterValues", metered, {})
    transfer = {"vendorId": "com.acme", "messageId": "note", "data": "driver Jane Roe, B-XY 1234"}
    call("DataTransfer", transfer, {"status": "Accepted", "data": "noted for Jane Roe"})
    key = {"key": "AuthorizationKey", "value": AUTH_KEY}
    call("ChangeConfiguration", key, {"status": "Accepted"}, way=OUT)
    listed = {"configurationKey": [{**key, "readonly": False}]}
    call("GetConfiguration", {"key": ["AuthorizationKey"]}, listed, way=OUT)
    firmware = {
        "location": "https://fw.acme-chargers.example/builds/fw-1.5.bin",
        "retrieveDate": to_iso(T0 + 3600),
    }
    call("UpdateFirmware", firmware, {}, way=OUT)
    diagnostics = {"location": "ftp://diag:s3cretFtp@upload.acme.example/in/"}
    call("GetDiagnostics", diagnostics, {"fileName": f"diag-{STATION_16}.zip"}, way=OUT)
    local = {
        "listVersion": 3,
        "updateType": "Full",
        "localAuthorizationList": [{"idTag": LOCAL_TAG, "idTagInfo": info}],
    }
    call("SendLocalList", local, {"status": "Accepted"}, way=OUT)
    root = {"certificateType": "CentralSystemRootCertificate", "certificate": CERTIFICATE}
    call("InstallCertificate", root, {"status": "Accepted"}, way=OUT)
    # An invalid Authorize the CSMS refuses, echoing the message in its CallError.
    echoed = f'[2,"bad-1","Authorize",{{"idTag":"{TAG_16}","extra":1}}]'
    t.add(
        st,
        IN,
        Kind.CALL,
        unique_id="bad-1",
        action="Authorize",
        payload={"idTag": TAG_16, "extra": 1},
        protocol=V16,
    )
    t.add(
        st,
        OUT,
        Kind.ERROR,
        unique_id="bad-1",
        action="FormatViolation",
        payload={"cause": "extra was unexpected", "ocpp_message": echoed},
        protocol=V16,
        text=f"idTag {TAG_16} of {STATION_16}: payload is not valid",
    )
    t.add(
        st,
        IN,
        Kind.MALFORMED,
        payload={"error": "not JSON"},
        text=f'[2,"x","Authorize",{{"idTag":"{MALFORMED_TAG}",',
    )
    stop = {
        "idTag": TAG_16,
        "meterStop": 2500,
        "timestamp": to_iso(T0 + 60),
        "transactionId": 42,
        "reason": "Local",
    }
    call("StopTransaction", stop, {"idTagInfo": info})
    t.add(
        st,
        OUT,
        Kind.AUTOMATION,
        payload={"automation": "auto-start", "idTag": TAG_16},
        text=f"auto-start: started {STATION_16} #1 with {TAG_16}",
    )
    t.add(st, IN, Kind.DISCONNECTED, protocol=V16, text="closed 1000")
    t.add(st, IN, Kind.REFUSED, text=f"401 wrong password for {STATION_16} from {PEER}")


def _station_201(t: _Traffic) -> None:
    st, call = STATION_201, lambda *a, **k: t.call(STATION_201, V201, *a, **k)
    t.add(st, IN, Kind.CONNECTED, protocol=V201, text=f"from {PEER}:40001")
    station = {
        "model": "Tri50",
        "vendorName": "Voltia",
        "serialNumber": "HH-SN-00017",
        "firmwareVersion": "2.0.0",
        "modem": {"iccid": "8931440400012345678", "imsi": "310150123456789"},
    }
    booted = {"status": "Accepted", "currentTime": to_iso(T0), "interval": 300}
    call("BootNotification", {"reason": "PowerUp", "chargingStation": station}, booted)
    hashed = {
        "hashAlgorithm": "SHA256",
        "issuerNameHash": "c0ffee" * 10,
        "issuerKeyHash": "c0ffee" * 10,
        "serialNumber": "3A5F9C",
        "responderURL": "http://ocsp.example-ca.test/",
    }
    token = {"idToken": TOKEN_201, "type": "eMAID"}
    group = {"status": "Accepted", "groupIdToken": {"idToken": GROUP_201, "type": "Central"}}
    authorize = {"idToken": token, "iso15118CertificateHashData": [hashed]}
    call("Authorize", authorize, {"idTokenInfo": group})
    started = {
        "eventType": "Started",
        "timestamp": to_iso(T0 + 5),
        "triggerReason": "Authorized",
        "seqNo": 0,
        "transactionInfo": {"transactionId": "tx-hh-1"},
        "evse": {"id": 1, "connectorId": 1},
        "idToken": {"idToken": TOKEN_TX, "type": "ISO14443"},
        "meterValue": [_sample_201(2000.0)],
    }
    call("TransactionEvent", started, {"idTokenInfo": {"status": "Accepted"}})
    security = {"name": "SecurityCtrlr"}
    password = {"name": "BasicAuthPassword"}
    setting = {"attributeValue": BASIC_PASSWORD, "component": security, "variable": password}
    result = {"attributeStatus": "Accepted", "component": security, "variable": password}
    call("SetVariables", {"setVariableData": [setting]}, {"setVariableResult": [result]}, way=OUT)
    identity = {"component": security, "variable": {"name": "Identity"}}
    got = {"attributeStatus": "Accepted", "attributeValue": STATION_201, **identity}
    call("GetVariables", {"getVariableData": [identity]}, {"getVariableResult": [got]}, way=OUT)
    reported = {
        "component": security,
        "variable": password,
        "variableAttribute": [{"type": "Actual", "value": BASIC_PASSWORD}],
    }
    report = {"requestId": 1, "generatedAt": to_iso(T0), "seqNo": 0, "reportData": [reported]}
    call("NotifyReport", report, {})
    firmware = {
        "location": "https://fw.example-cpo.test/hh/fw.bin",
        "retrieveDateTime": to_iso(T0 + 3600),
        "signingCertificate": SIGNING,
    }
    call("UpdateFirmware", {"requestId": 2, "firmware": firmware}, {"status": "Accepted"}, way=OUT)
    log = {"remoteLocation": "https://logs.example-cpo.test/upload/"}
    logged = {"status": "Accepted", "filename": "log.zip"}
    call("GetLog", {"logType": "DiagnosticsLog", "requestId": 3, "log": log}, logged, way=OUT)
    transfer = {"vendorId": "com.voltia", "data": {"note": "customer Max Mustermann"}}
    call("DataTransfer", transfer, {"status": "Accepted"})
    profile = {
        "ocppVersion": "OCPP20",
        "ocppTransport": "JSON",
        "ocppCsmsUrl": "wss://csms.example-cpo.test/ocpp/",
        "messageTimeout": 30,
        "securityProfile": 2,
        "ocppInterface": "Wired0",
        "vpn": {
            "server": "vpn.example-cpo.test",
            "user": "vpnuser-hh",
            "password": "vpn-pass-123",
            "key": "vpn-shared-key-xyz",
            "type": "IPSec",
        },
        "apn": {
            "apn": "internet",
            "apnUserName": "apn-user-hh",
            "apnPassword": "apn-pass-hh",
            "simPin": 4711,
            "apnAuthentication": "CHAP",
        },
    }
    network = {"configurationSlot": 1, "connectionData": profile}
    call("SetNetworkProfile", network, {"status": "Accepted"}, way=OUT)
    call("SignCertificate", {"csr": CSR}, {"status": "Accepted"})
    chained = {"certificateChain": CERTIFICATE}
    call("CertificateSigned", chained, {"status": "Accepted"}, way=OUT)
    updated = {
        **started,
        "eventType": "Updated",
        "seqNo": 1,
        "timestamp": to_iso(T0 + 30),
        "triggerReason": "MeterValuePeriodic",
        "meterValue": [_sample_201(2600.5)],
    }
    del updated["idToken"]
    call("TransactionEvent", updated, {})


def secret_frames() -> list[Frame]:
    """Both stations' traffic, one after the other."""
    traffic = _Traffic()
    _station_16(traffic)
    _station_201(traffic)
    return traffic.frames


def write_recording(path: Path, frames: list[Frame]) -> Path:
    """`frames` as an ocppdeck recording at `path`."""
    path.write_bytes(b"".join(encode(frame) + b"\n" for frame in frames))
    return path
