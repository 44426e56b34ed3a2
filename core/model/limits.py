"""How much the state keeps per station, so that a hostile station cannot grow memory
without end. Each bound is far past what a real site reaches; past one, the oldest goes
and the newest stays (open transactions go last of all).
"""

from __future__ import annotations

# Samples kept per EVSE for the live plot (two hours at a 10 s interval).
METER_HISTORY = 720
# EVSEs (1.6: connectors) per station: the largest hubs behind one identity have a few
# dozen, but 2.x ids are any integer, so a flood of new ids must stop somewhere.
MAX_EVSES = 256
# Connectors per 2.x EVSE: real ones have one to three.
MAX_CONNECTORS = 16
# Device-model variables per station: a large DC station's full report lists a few thousand.
MAX_VARIABLES = 10_000
# Inventory reports kept per station (one per boot, usually).
MAX_REPORTS = 8
# (EVSE, connector) pairs one inventory report may declare: every EVSE with four connectors.
MAX_REPORT_PAIRS = MAX_EVSES * 4
# Closed transactions kept per station: a busy station's last few hours. Nothing shows
# them live; they are kept to know a repeated or late stop, and every one goes into each
# state snapshot, so the bound sets the snapshot's cost (1,000 stations at 500 each made
# a 145 MB snapshot that held the event loop for seconds). Older ones live on in the
# recording, where reports read them.
MAX_CLOSED_TRANSACTIONS = 100
# Open transactions per station: one per EVSE is the rule, and even every EVSE with a few
# stops lost stays far below; past it is a flood of starts.
MAX_OPEN_TRANSACTIONS = 1_024
# Transactions heard of before their start (a stop, a 2.x event): a shuffled log of a
# busy station may hold a few thousand stops ahead of their starts.
MAX_UNSTARTED = 4_096
# Readings waiting for their transaction's EVSE, per station: a 2.x transaction names
# its EVSE at plug-in, a few readings after authorizing at most.
MAX_PENDING_SAMPLES = 8_192
# Runs of seqNos kept per transaction (one run when nothing is lost): a transaction that
# lost events in this many places is flagged long before; past it the lowest run goes.
MAX_SEQ_RUNS = 8
# Notices kept per station and topic (security events, monitors, display messages, …):
# past it the oldest go. A station with a busy security log reports a few a day.
MAX_NOTICES = 1_000
# Characters kept of a station's text in a notice (techInfo and messages are at most
# 255 to 1024 by the schemas; a station whose payloads are not checked may send more).
MAX_NOTICE_TEXT = 1_024
# Characters kept of a notice's subject (an id, a type and a time).
MAX_NOTICE_SUBJECT = 128
# Steps kept per station of each job a station reports (firmware, diagnostics, log status):
# a firmware update takes about six, so the last ten jobs or so.
MAX_STEPS = 64
