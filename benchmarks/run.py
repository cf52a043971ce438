"""Run every benchmark section and write RESULTS.md, results.json and the plots.

``make bench`` (or ``python -m benchmarks [--quick] [--output DIR] [--no-parallel]
[--only SECTION ...] [--no-fresh]``). Everything in RESULTS.md comes from this run,
except the published figures, which carry their sources. ``--quick`` runs tiny sizes
(the test suite's smoke test) in this process and skips the parallel section unless
``--parallel`` is given.

Each section runs in its own fresh interpreter, so that no section's timings depend
on what ran before it. In one process, the sum task's three default fits took
medians of 3.1 and 3.4 s run first, and 3.5 and 3.9 s after a ``--quick`` run of
the fit section (where torch and skorch train; two processes each). In the make bench run
at b5c02fc, where the quality section ran eighth in one process, they took 5.3 s,
against 3.5 s for the same section's fits run alone right after.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks import (
    fit,
    grid_search,
    isolation,
    latency,
    memory,
    parallel,
    quality,
    scaling,
    small_regression,
    targets,
    text,
    timeseries,
)
from benchmarks.common import HERE, in_fresh_process, in_this_process, machine, provenance, timed

SECTIONS = (
    "latency",
    "fit",
    "grid_search",
    "memory",
    "parallel",
    "scaling",
    "text",
    "quality",
    "timeseries",
    "small_regression",
    "isolation",
)


def _steps(quick: bool, output_dir: Path, results: dict) -> dict:
    """Section name -> a function running it (some reuse earlier sections' results)."""

    def serial_sk_gru():
        grid = results.get("grid_search")
        return next(row for row in grid["rows"] if row["library"] == "sk_gru") if grid else None

    return {
        "latency": lambda: latency.run(quick),
        "fit": lambda: fit.run(quick),
        "grid_search": lambda: grid_search.run(quick),
        "memory": lambda: memory.run(quick, grid=results.get("grid_search")),
        "parallel": lambda: parallel.run(quick, serial=serial_sk_gru()),
        "scaling": lambda: scaling.run(quick),
        "text": lambda: text.run(quick),
        "quality": lambda: quality.run(quick, output_dir),
        "timeseries": lambda: timeseries.run(quick),
        "small_regression": lambda: small_regression.run(quick),
        "isolation": lambda: isolation.run(quick),
    }


def run_section(name: str, quick: bool, output_dir: str, earlier: dict) -> dict:
    """Section ``name``'s result and seconds, for a fresh interpreter (see :func:`main`).

    ``earlier`` holds the results of earlier sections that this one reuses (the
    memory and parallel sections read the grid search's).
    """
    result, seconds = timed(_steps(quick, Path(output_dir), dict(earlier))[name])
    return {"result": result, "seconds": seconds}


REPORTS = {
    "latency": latency.report,
    "fit": fit.report,
    "grid_search": grid_search.report,
    "memory": memory.report,
    "parallel": parallel.report,
    "scaling": scaling.report,
    "text": text.report,
    "quality": quality.report,
    "timeseries": timeseries.report,
    "small_regression": small_regression.report,
    "isolation": isolation.report,
}


def main(
    quick: bool = False,
    output_dir: Path | None = None,
    parallel_runs: bool | None = None,
    only: list[str] | None = None,
    fresh: bool | None = None,
) -> dict:
    """Run the sections, then write ``RESULTS.md``, ``results.json`` and the plots.

    Parameters
    ----------
    quick : bool, default=False
        Tiny sizes: the smoke test.
    output_dir : Path, optional
        Where to write (default: ``benchmarks/``).
    parallel_runs : bool, optional
        Run the parallel section (loky and Dask); default: yes unless ``quick``.
    only : list of str, optional
        Run only these sections (names of :data:`SECTIONS`).
    fresh : bool, optional
        Run each section, and each library's timed runs within it, in its own fresh
        interpreter; default: yes unless ``quick`` (the smoke test runs everything
        in this process, two minutes faster; its figures are not reported).

    Returns
    -------
    dict
        Every section's result, ``seconds`` per section, machine and provenance.
    """
    output_dir = Path(output_dir or HERE)
    output_dir.mkdir(parents=True, exist_ok=True)
    if parallel_runs is None:
        parallel_runs = not quick
    if fresh is None:
        fresh = not quick
    chosen = [
        name
        for name in SECTIONS
        if (only is None or name in only) and (name != "parallel" or parallel_runs)
    ]
    results: dict = {"quick": quick, "provenance": provenance(), "machine": machine()}
    seconds: dict[str, float] = {}
    for name in chosen:
        print(f"running {name} ...", flush=True)
        earlier = {key: results[key] for key in ("grid_search",) if key in results}
        arguments = {"name": name, "quick": quick, "output_dir": str(output_dir)}
        if fresh:
            done = in_fresh_process("benchmarks.run:run_section", **arguments, earlier=earlier)
        else:
            with in_this_process():
                done = run_section(**arguments, earlier=earlier)
        results[name], seconds[name] = done["result"], done["seconds"]
        print(f"  {seconds[name]:.0f} s", flush=True)
    results["seconds"] = seconds
    results["load_average_after"] = provenance()["load_average"]
    if "latency" in results:
        latency.plot(results["latency"], output_dir)
    markdown = report(results)
    (output_dir / "RESULTS.md").write_text(markdown)
    (output_dir / "results.json").write_text(json.dumps(results, indent=1, default=str))
    print(markdown)
    return results


def report(results: dict) -> str:
    """RESULTS.md: provenance, machine, time per section, every section, targets."""
    when = results["provenance"]
    seconds = results["seconds"]
    lines = [
        "# sk_gru benchmark results",
        "",
        "Generated by "
        + ("`python -m benchmarks --quick`" if results["quick"] else "`make bench`")
        + f" on {when['date']} at commit `{when['commit']}`"
        f"{' with uncommitted changes' if when['dirty'] else ''}, in "
        f"{sum(seconds.values()) / 60:.1f} minutes (package installation not included). "
        "Every figure below was measured in this run, except the published figures, "
        "which name their sources.",
        "",
        "Other work on the machine slows some libraries far more than others (torch's "
        "two OpenMP threads, for one); the load average (1, 5, 15 min) was "
        f"{when['load_average']} before the run and {results['load_average_after']} after.",
        "",
    ]
    cores = results["machine"]["cores"] or 1
    busiest = max(when["load_average"][0], results["load_average_after"][0])
    if busiest > 0.5 * cores:
        lines += [
            f"**The machine was busy (1-minute load average up to {busiest} on {cores} "
            "cores): these timings are not representative.**",
            "",
        ]
    lines += ["## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {key} | {value} |" for key, value in results["machine"].items()]
    lines += ["", "| Section | Seconds |", "|---|---|"]
    lines += [f"| {name} | {value:.0f} |" for name, value in seconds.items()]
    lines.append("")
    for name in SECTIONS:
        if name in results:
            lines += REPORTS[name](results[name])
    lines += targets.report(targets.check(results))
    if "latency" in results:
        lines += ["![latency](predict_latency.png)", ""]
    return "\n".join(lines)


def cli() -> None:
    """Command line of ``python -m benchmarks`` and ``python -m benchmarks.run``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument("--output", type=Path, default=None, help="default: benchmarks/")
    parser.add_argument(
        "--parallel",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="run sk_gru's grid search on loky and Dask too (default: yes, no with --quick)",
    )
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument(
        "--fresh",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="each section in its own fresh interpreter (default: yes, no with --quick)",
    )
    args = parser.parse_args()
    main(args.quick, args.output, args.parallel, args.only, args.fresh)


if __name__ == "__main__":
    cli()
