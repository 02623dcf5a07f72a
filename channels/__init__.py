"""Rasa channel adapters for つながりナビ: LINE connector and the web chat widget."""
