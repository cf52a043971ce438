"""Memory over the grid search's fits: RSS growth per fit and each library's own peak RSS.

The figures come from the grid search's fresh interpreters (one per library), so
each peak is that library's own: ``VmHWM`` of a newly exec'ed process, not a peak
inherited from the benchmark process that started it.
"""

from __future__ import annotations

from benchmarks import grid_search
from benchmarks.common import section_main


def run(quick: bool = False, grid: dict | None = None) -> dict:
    """Memory rows, taken from ``grid`` (a grid-search result) or from a new search.

    Returns
    -------
    dict
        ``rows`` with ``library``, ``per_fit_mb``, ``peak_rss_mb``; ``fits``.
    """
    grid = grid or grid_search.run(quick)
    rows = [
        {key: row[key] for key in ("library", "per_fit_mb", "peak_rss_mb")} for row in grid["rows"]
    ]
    return {"rows": rows, "fits": grid["fits"]}


def report(result: dict) -> list[str]:
    """The memory table."""
    lines = [
        f"## Memory over the grid search's {result['fits']} fits",
        "",
        "Each library's search in its own freshly started interpreter. RSS growth per "
        "fit is measured after a warm-up search of 2 fits (the largest of any round, "
        "for the libraries searched in several); the peak is the process's "
        "own high-water mark (`VmHWM`), the interpreter, the libraries and the data "
        "included.",
        "",
        "| Library | RSS growth per fit (MB) | Peak RSS of its process (MB) |",
        "|---|---|---|",
    ]
    lines += [
        f"| {row['library']} | {row['per_fit_mb']:.2f} | {row['peak_rss_mb']:.0f} |"
        for row in result["rows"]
    ]
    return lines + [""]


if __name__ == "__main__":
    section_main(run, report)
