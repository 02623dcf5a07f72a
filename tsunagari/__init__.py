"""つながりナビ core package: Rasa-independent logic (no rasa / rasa_sdk imports)."""
