"""Custom actions for つながりナビ: thin adapters over the `tsunagari` package."""
