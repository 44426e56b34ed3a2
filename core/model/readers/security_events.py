"""Which security events the spec calls critical (1.6 security whitepaper and 2.x
appendix "Security events"): a station must send these at once, even offline-queued,
and the console treats them as faults. Pure data."""

from __future__ import annotations

CRITICAL = frozenset(
    {
        "FirmwareUpdated",
        "MemoryExhaustion",
        "ResetOrReboot",
        "SecurityLogWasCleared",
        "SettingSystemTime",
        "StartupOfTheDevice",
        "TamperDetectionActivated",
    }
)


def is_critical(event_type: str) -> bool:
    """Whether a SecurityEventNotification of this type is critical by the spec's list."""
    return event_type in CRITICAL
