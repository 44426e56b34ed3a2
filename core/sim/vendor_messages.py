"""The vendor messages (DataTransfer) a simulated station understands: its own vendor's only.

Version-neutral: the answers' words are the same in 1.6 and 2.x. A real station answers
UnknownVendorId to a vendor it does not know, and so does the simulator.
"""

from __future__ import annotations

from typing import Any

VENDOR_ID = "ocppdeck"
ECHO = "Echo"  # answers its data back: a round trip an operator can see


def answer(vendor_id: str, message_id: str | None, data: Any) -> tuple[str, Any]:
    """The DataTransfer status and data for a vendor's message."""
    if vendor_id != VENDOR_ID:
        return "UnknownVendorId", None
    if message_id in (None, ""):
        return "Accepted", None
    if message_id == ECHO:
        return "Accepted", data
    return "UnknownMessageId", None
