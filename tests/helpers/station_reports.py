"""Reports a station sends, each with the notice it must give: for the projection's tests
and for live stations that send them over loopback."""

from __future__ import annotations

from typing import Any

from ocppdeck.core.model.state import Topic

T0 = 1_735_725_600.0  # 2025-01-01T10:00:00Z
V16, V201 = "ocpp1.6", "ocpp2.0.1"
PERIODS = [{"startPeriod": 0, "limit": 7400}]
SCHEDULE = {"id": 1, "chargingRateUnit": "W", "chargingSchedulePeriod": PERIODS}


def iso(seconds: float) -> str:
    minute, second = divmod(int(seconds), 60)
    return f"2025-01-01T10:{minute:02d}:{second:02d}Z"


# (protocol, action, payload) -> the notice: (topic, evse, subject, status, detail, flag)
REPORTS: list[tuple[str, str, dict[str, Any], tuple[Topic, int, str, str, str, bool]]] = [
    (
        V16,
        "SecurityEventNotification",
        {"type": "TamperDetectionActivated", "timestamp": iso(5), "techInfo": "lid opened"},
        (
            Topic.SECURITY,
            0,
            f"{iso(5)} TamperDetectionActivated",
            "TamperDetectionActivated",
            "lid opened",
            True,
        ),
    ),
    (
        V201,
        "SecurityEventNotification",
        {"type": "InvalidMessages", "timestamp": iso(6)},
        (Topic.SECURITY, 0, f"{iso(6)} InvalidMessages", "InvalidMessages", "", False),
    ),
    (
        V16,
        "SignedFirmwareStatusNotification",
        {"status": "InvalidSignature", "requestId": 4},
        (Topic.FIRMWARE, 0, "", "InvalidSignature", "request 4", False),
    ),
    (
        V201,
        "FirmwareStatusNotification",
        {"status": "Installed"},
        (Topic.FIRMWARE, 0, "", "Installed", "", False),
    ),
    (
        V201,
        "PublishFirmwareStatusNotification",
        {"status": "Published", "location": ["http://10.0.0.2/fw.bin"], "requestId": 1},
        (Topic.PUBLISH, 0, "", "Published", "request 1, http://10.0.0.2/fw.bin", False),
    ),
    (
        V16,
        "DiagnosticsStatusNotification",
        {"status": "Uploaded"},
        (Topic.DIAGNOSTICS, 0, "", "Uploaded", "", False),
    ),
    (
        V16,
        "LogStatusNotification",
        {"status": "Uploading", "requestId": 2},
        (Topic.LOG, 0, "", "Uploading", "request 2", False),
    ),
    (
        V201,
        "ReservationStatusUpdate",
        {"reservationId": 9, "reservationUpdateStatus": "Expired"},
        (Topic.RESERVATION, 0, "9", "Expired", "", False),
    ),
    (
        V201,
        "NotifyChargingLimit",
        {
            "chargingLimit": {"chargingLimitSource": "EMS", "isGridCritical": True},
            "evseId": 1,
            "chargingSchedule": [SCHEDULE],
        },
        (Topic.LIMIT, 1, "EMS", "Set", "1 period, from 7400 W", True),
    ),
    (
        V201,
        "ClearedChargingLimit",
        {"chargingLimitSource": "SO", "evseId": 2},
        (Topic.LIMIT, 2, "SO", "Cleared", "", False),
    ),
    (
        V201,
        "ReportChargingProfiles",
        {
            "requestId": 3,
            "chargingLimitSource": "CSO",
            "tbc": False,
            "evseId": 1,
            "chargingProfile": [
                {
                    "id": 7,
                    "stackLevel": 0,
                    "chargingProfilePurpose": "TxDefaultProfile",
                    "chargingProfileKind": "Absolute",
                    "chargingSchedule": [SCHEDULE],
                }
            ],
        },
        (
            Topic.PROFILE,
            1,
            "7",
            "TxDefaultProfile",
            "stack level 0, Absolute, set by CSO, 1 period, from 7400 W",
            False,
        ),
    ),
    (
        V201,
        "NotifyEVChargingNeeds",
        {
            "evseId": 1,
            "chargingNeeds": {
                "requestedEnergyTransfer": "AC_three_phase",
                "departureTime": iso(50),
                "acChargingParameters": {
                    "energyAmount": 20000,
                    "evMinCurrent": 6,
                    "evMaxCurrent": 32,
                    "evMaxVoltage": 400,
                },
            },
        },
        (Topic.NEEDS, 1, "", "AC_three_phase", f"20000 Wh, departs {iso(50)}", False),
    ),
    (
        V201,
        "NotifyEVChargingSchedule",
        {"timeBase": iso(10), "evseId": 1, "chargingSchedule": SCHEDULE},
        (Topic.EV_SCHEDULE, 1, "", "W", f"1 period, from 7400 W, from {iso(10)}", False),
    ),
    (
        V201,
        "NotifyMonitoringReport",
        {
            "requestId": 5,
            "seqNo": 0,
            "generatedAt": iso(20),
            "monitor": [
                {
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "Power"},
                    "variableMonitoring": [
                        {
                            "id": 11,
                            "transaction": False,
                            "value": 22000,
                            "type": "UpperThreshold",
                            "severity": 4,
                        }
                    ],
                }
            ],
        },
        (Topic.MONITOR, 0, "11", "UpperThreshold", "EVSE/Power EVSE 1, 22000, severity 4", False),
    ),
    (
        V201,
        "NotifyDisplayMessages",
        {
            "requestId": 6,
            "messageInfo": [
                {
                    "id": 2,
                    "priority": "AlwaysFront",
                    "state": "Charging",
                    "message": {"format": "UTF8", "content": "[b]Welcome[/b]"},
                }
            ],
        },
        (Topic.DISPLAY, 0, "2", "AlwaysFront, Charging", "[b]Welcome[/b]", False),
    ),
    (
        V201,
        "NotifyCustomerInformation",
        {"data": "card 1234", "seqNo": 1, "generatedAt": iso(30), "requestId": 8, "tbc": True},
        (Topic.CUSTOMER, 0, "8:000001", "more to come", "card 1234", False),
    ),
    (
        V201,
        "NotifyEvent",
        {
            "generatedAt": iso(40),
            "seqNo": 0,
            "eventData": [
                {
                    "eventId": 3,
                    "timestamp": iso(39),
                    "trigger": "Alerting",
                    "actualValue": "7400",
                    "eventNotificationType": "CustomMonitor",
                    "variableMonitoringId": 11,
                    "component": {"name": "EVSE", "evse": {"id": 1}},
                    "variable": {"name": "Power"},
                }
            ],
        },
        (Topic.EVENT, 1, "EVSE/Power", "Alerting", "value 7400, monitor 11, CustomMonitor", True),
    ),
]
