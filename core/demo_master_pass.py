"""The demo's operator gives each 2.x station its master pass group once the CSMS accepted
its boot: a SetVariables of AuthCtrlr.MasterPassGroupId (OCPP 2.x C16), as an operator
would, since the variable has no default and a station holds none until told. 1.6 has no
master pass: its stations are left alone."""

from __future__ import annotations

from collections.abc import Callable

from .csms.commands import Commands, CommandUnavailable
from .model.state import State
from .wire.frame import Frame

MASTER_PASS_VARIABLE = ("AuthCtrlr", "MasterPassGroupId")


class MasterPassOperator:
    """A bus subscriber (after the projection) that sets the group once per station."""

    def __init__(self, commands: Commands, state: Callable[[], State], group: str) -> None:
        self._commands = commands
        self._state = state  # a function: a restore may replace the state object
        self._group = group
        self._done: set[str] = set()  # the demo's stations: a fixed, small set

    def __call__(self, frame: Frame) -> None:
        if not frame.station or frame.station in self._done:
            return
        station = self._state().stations.get(frame.station)
        if station is None or station.boot_status != "Accepted":
            return
        try:
            # A version whose transactions are TransactionEvents has the device model.
            if "TransactionEvent" in self._commands.dialect_of(frame.station).station_actions:
                self._commands.set_variables(frame.station, *MASTER_PASS_VARIABLE, self._group)
        except CommandUnavailable:
            return  # asked again on the station's next frame
        self._done.add(frame.station)
