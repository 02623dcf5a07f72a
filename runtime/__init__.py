"""Adapters that change how Rasa runs in our processes, never what it does."""
