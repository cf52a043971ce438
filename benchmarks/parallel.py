"""sk_gru's grid search across processes: joblib's loky backend and a Dask LocalCluster.

The same search as :mod:`benchmarks.grid_search` (sk_gru's row), run with
``n_jobs=2`` on loky and on a two-worker Dask cluster, each compared with the
serial search's scores. ``make bench`` runs this section (about 3 minutes at the
time of writing), so the figures always come with the run's date and commit.
"""

from __future__ import annotations

import numpy as np

from benchmarks import grid_search
from benchmarks.common import provenance, section_main, size, sum_data, timed


def run(quick: bool = False, serial: dict | None = None) -> dict:
    """Wall time of the parallel searches and whether they score as the serial one did.

    Parameters
    ----------
    quick : bool, default=False
        One candidate.
    serial : dict, optional
        sk_gru's row of a grid-search result (``s``, ``scores``); measured here,
        in this process, when absent.

    Returns
    -------
    dict
        ``rows`` (``mode``, ``s``, ``per_fit_s``, ``identical``), ``fits`` and the
        run's ``provenance``.
    """
    X, y = sum_data(size(grid_search.SIZES, "n", quick))
    candidates = grid_search.rates(quick)
    n_fits = 2 * len(candidates)
    search = grid_search.search_function("sk_gru", X, y)
    serial_from = "the grid-search section's fresh process"
    if serial is None:
        search(candidates[:1])  # warm-up, as in the fresh-process search
        scores, seconds = timed(lambda: search(candidates))
        serial = {"s": seconds, "scores": [float(s) for s in scores]}
        serial_from = "this section's own process, after a warm-up search"
    runs = {"loky, n_jobs=2": lambda: search(candidates, n_jobs=2)}
    try:
        from dask.distributed import Client, LocalCluster
        from joblib import parallel_backend
    except ImportError:
        pass
    else:

        def on_dask():
            with (
                LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster,
                Client(cluster),
                parallel_backend("dask"),
            ):
                return search(candidates, n_jobs=-1)

        runs["Dask LocalCluster, 2 workers"] = on_dask
    rows = [{"mode": "serial", "s": serial["s"], "per_fit_s": serial["s"] / n_fits}]
    for mode, parallel_search in runs.items():
        scores, seconds = timed(parallel_search)
        rows.append(
            {
                "mode": mode,
                "s": seconds,
                "per_fit_s": seconds / n_fits,
                "identical": bool(np.array_equal(scores, serial["scores"])),
            }
        )
    return {"rows": rows, "fits": n_fits, "serial_from": serial_from, "provenance": provenance()}


def report(result: dict) -> list[str]:
    """The parallel table, with the date and commit it was measured at."""
    serial = result["rows"][0]["s"]
    when = result["provenance"]
    lines = [
        f"## sk_gru's grid search across processes ({result['fits']} fits)",
        "",
        f"Measured {when['date']} at commit `{when['commit'][:12]}`"
        f"{' (uncommitted changes)' if when['dirty'] else ''}. Serial: measured in "
        f"{result['serial_from']}. Process start-up (TensorFlow imported in each "
        "worker, the cluster started) is included in the parallel runs.",
        "",
        "| Run | Wall (s) | Per fit (s) | Speed-up over serial | Same scores as serial |",
        "|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        same = {True: "yes", False: "**no**"}.get(row.get("identical"), "")
        lines.append(
            f"| {row['mode']} | {row['s']:.1f} | {row['per_fit_s']:.2f} | "
            f"{serial / row['s']:.2f}x | {same} |"
        )
    return lines + [""]


if __name__ == "__main__":
    section_main(run, report)
