"""qfmt's benchmarks: ``python -m bench`` (see CONTRIBUTING.md)."""
