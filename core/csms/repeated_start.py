"""A 1.6 StartTransaction sent again: some firmware repeats each transaction message. The
same start (connector, id tag, meter reading and timestamp) of a transaction still open
is answered with that transaction's id, not a new one; a new id would leave a phantom
transaction open beside the real one. Pure: it reads the state."""

from __future__ import annotations

from ..clock import parse_iso
from ..model.readings import finite_number
from ..model.state import State
from .transaction_ids import REFUSED


def repeated_start(
    state: State, station_id: str, connector_id: int, id_tag: str, meter_start: object, at: object
) -> int | None:
    """The id of the open transaction this start repeats, if it repeats one."""
    tx = state.open_transaction_on(station_id, connector_id)
    if tx is None or not tx.transaction_id.isdigit() or int(tx.transaction_id) == REFUSED:
        return None  # a refused start (id 0) is no transaction to repeat
    when, meter = parse_iso(at), finite_number(meter_start)
    if when is None or meter is None:
        return None  # nothing to tell one start from another by
    same = (tx.started_at, tx.meter_start, tx.id_tag) == (when, meter, id_tag)
    return int(tx.transaction_id) if same else None
