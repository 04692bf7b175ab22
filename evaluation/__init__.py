"""Measured quality and speed: `make eval` (evaluation.quality) and `make bench` (evaluation.bench)."""
