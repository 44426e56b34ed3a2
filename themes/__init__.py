"""ocppdeck's Textual themes (one dark, one light) and the shared stylesheet."""

from __future__ import annotations

from pathlib import Path

from textual.theme import Theme

STYLESHEET = Path(__file__).with_name("ocppdeck.tcss")

# Under 36 rows every screen is `-short`: the stylesheet shrinks panes and forms so all fit.
VERTICAL_BREAKPOINTS = [(0, "-short"), (36, "-tall")]

DARK = Theme(
    name="ocppdeck-dark",
    primary="#4FA3E0",
    secondary="#7FB77E",
    accent="#F2A541",
    warning="#F2C14E",
    error="#E5534B",
    success="#57AB5A",
    foreground="#D8DEE9",
    background="#10151C",
    surface="#161D26",
    panel="#1E2733",
    dark=True,
)

LIGHT = Theme(
    name="ocppdeck-light",
    primary="#1F6FB2",
    secondary="#3D7A3C",
    accent="#B4640C",
    warning="#9A6700",
    error="#C0362C",
    success="#2E7D32",
    foreground="#1C2430",
    background="#F7F8FA",
    surface="#FFFFFF",
    panel="#E8ECF1",
    dark=False,
)

THEMES = (DARK, LIGHT)
