"""``python -m benchmarks``: every section, then RESULTS.md (see benchmarks.run)."""

from benchmarks.run import cli

cli()
