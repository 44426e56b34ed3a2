"""What a report may be asked to judge by, and how much it keeps per station."""

from __future__ import annotations

from dataclasses import dataclass

# Rows kept per station and table: far past a busy station's month. Past it rows are
# counted, not kept, so a hostile or endless source cannot grow the report without end.
MAX_ROWS_PER_STATION = 20_000


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Thresholds of the report's judgements (all in seconds unless named otherwise)."""

    late_s: float = 30.0  # an answer slower than this is late (the `ocpp` library's timeout)
    loop_connects: int = 5  # more connects than this ...
    loop_minutes: float = 10.0  # ... within this many minutes are a reconnect loop
    heartbeat_gap_s: float = 600.0  # a connected station silent longer than this
    skew_s: float = 30.0  # station clocks further off than this are flagged
    max_rows: int = MAX_ROWS_PER_STATION
