"""Scenarios: scripted stations on a timeline, run against any CSMS, with what the CSMS
must answer (see README: Scenarios)."""
