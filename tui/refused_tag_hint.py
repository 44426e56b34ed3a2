"""`ocppdeck simulate`: what to do when the CSMS refuses the fleet's id tags, said once.

A CSMS that does not know the simulated drivers' tags answers every Authorize
"not authorized"; the fleet's log then fills with those lines and nothing
charges. The first refusal prints one line on stderr that says how to fix it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TextIO

SIM_LOGGER = "ocppdeck.sim"
# How a simulated connector logs a refused driver (core/sim/connector.py): label, id tag.
NOT_AUTHORIZED = "%s: %s not authorized"


class RefusedTagHint(logging.Handler):
    """Prints the hint on the first refused id tag, then nothing more."""

    def __init__(self, tags: Sequence[str], out: TextIO) -> None:
        super().__init__()
        self.tags = tags
        self.out = out
        self.shown = False

    def emit(self, record: logging.LogRecord) -> None:
        """Print the hint if this is the fleet's first refused tag."""
        args = record.args
        if self.shown or record.msg != NOT_AUTHORIZED or not (isinstance(args, tuple) and args):
            return
        label, tag = args[0], args[-1]
        self.shown = True
        print(
            f"ocppdeck simulate: the CSMS refused id tag {tag} ({label}), so no session can "
            f"start. Add the fleet's tags ({', '.join(self.tags)}) to the CSMS, or start it "
            "with --accept-unknown-tags.",
            file=self.out,
            flush=True,
        )


@contextmanager
def hint_on_refusal(tags: Sequence[str], out: TextIO) -> Iterator[RefusedTagHint]:
    """The hint attached to the simulator's log while the block runs."""
    hint = RefusedTagHint(tags, out)
    logger = logging.getLogger(SIM_LOGGER)
    logger.addHandler(hint)
    try:
        yield hint
    finally:
        logger.removeHandler(hint)
