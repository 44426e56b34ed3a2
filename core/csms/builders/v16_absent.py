"""What 1.6 lacks of the 2.x device model: monitoring (N), customer information and display
messages (O). Each command says so rather than sending something else."""

from __future__ import annotations

from typing import Any, NoReturn

from .contract import CommandUnavailable
from .display import NewDisplayMessage
from .monitoring import CustomerQuery, NewMonitor


def _absent(block: str) -> NoReturn:
    raise CommandUnavailable(f"OCPP 1.6 has no {block} (2.0.1 and 2.1 do)")


class V16Absent:
    """The 2.x-only operator calls, refused for 1.6."""

    def set_variable_monitoring(self, monitor: NewMonitor) -> Any:
        """None in 1.6."""
        _absent("monitoring")

    def set_monitoring_base(self, base: str) -> Any:
        """None in 1.6."""
        _absent("monitoring")

    def set_monitoring_level(self, severity: int) -> Any:
        """None in 1.6."""
        _absent("monitoring")

    def monitoring_report(self, request_id: int) -> Any:
        """None in 1.6."""
        _absent("monitoring")

    def clear_variable_monitoring(self, monitor_ids: list[int]) -> Any:
        """None in 1.6."""
        _absent("monitoring")

    def customer_information(self, query: CustomerQuery) -> Any:
        """None in 1.6."""
        _absent("customer information")

    def set_display_message(self, message: NewDisplayMessage) -> Any:
        """None in 1.6."""
        _absent("display messages")

    def display_messages(self, request_id: int) -> Any:
        """None in 1.6."""
        _absent("display messages")

    def clear_display_message(self, message_id: int) -> Any:
        """None in 1.6."""
        _absent("display messages")
