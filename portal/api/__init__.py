"""Read-only JSON API of a province's aggregates, authenticated by per-province tokens."""
