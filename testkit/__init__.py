"""Helpers for tests and benchmarks that run real processes: servers, DVC, git."""
