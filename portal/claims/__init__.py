"""Claiming: a person takes over a business recorded for them (field work, bulk import)."""
