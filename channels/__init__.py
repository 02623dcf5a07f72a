"""Rasa channel adapters for つながりナビ: LINE connector and the web chat widget."""

# Rasa imports the channels before it sends its "server started" telemetry
# event: switch telemetry and error reporting off here too (see tsunagari.service).
from tsunagari.service import switch_off_outbound_reporting

switch_off_outbound_reporting()
