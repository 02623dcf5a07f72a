"""Partner directory: organisations, services, hours, provenance and lookup."""
