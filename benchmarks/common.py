"""Helpers shared by the benchmark sections: timing, machine, data, memory, processes."""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "data"
RESULT_MARKER = "BENCHMARK-RESULT "
LIBRARIES = (
    "tensorflow",
    "keras",
    "scikeras",
    "scikit-learn",
    "numpy",
    "torch",
    "skorch",
    "aeon",
    "joblib",
    "dask",
)


# -- timing ---------------------------------------------------------------------------


def median_seconds(function: Callable[[], object], repeats: int, warmup: int = 3) -> float:
    """Median wall time of ``function()`` over ``repeats`` calls after ``warmup`` calls.

    Parameters
    ----------
    function : callable
        Called with no arguments.
    repeats : int
        Timed calls.
    warmup : int, default=3
        Untimed calls first (tracing, caches; sk_gru unrolls on its third predict).

    Returns
    -------
    float
        Seconds.

    Examples
    --------
    >>> median_seconds(lambda: None, repeats=3, warmup=0) < 0.01
    True
    """
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def timed(function: Callable[[], object]) -> tuple[object, float]:
    """``function()``'s result and its wall time in seconds."""
    start = time.perf_counter()
    result = function()
    return result, time.perf_counter() - start


def size(sizes: dict[str, tuple], name: str, quick: bool):
    """``sizes[name]`` is ``(full, quick)``; pick one."""
    return sizes[name][1 if quick else 0]


# -- where and what ran -----------------------------------------------------------------


def machine() -> dict:
    """Cores, processor, Python, accelerator and the versions of the libraries compared.

    Returns
    -------
    dict
        Plain values, ready for JSON and for the report's machine table.

    Examples
    --------
    >>> info = machine()
    >>> info["cores"] >= 1 and "tensorflow" in info
    True
    """
    processor = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            processor = next(
                line.split(":", 1)[1].strip() for line in cpuinfo if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    versions = {}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cores": os.cpu_count(),
        "processor": processor,
        "platform": platform.platform(),
        "python": platform.python_version(),
        "gpu": _gpus(),
        "torch threads": _torch_threads(),
        **versions,
    }


def _torch_threads() -> int | str:
    try:
        import torch
    except ImportError:
        return "torch not installed"
    return torch.get_num_threads()


def _gpus() -> str:
    try:
        import tensorflow as tf
    except ImportError:
        return "tensorflow not installed"
    return ", ".join(device.name for device in tf.config.list_physical_devices("GPU")) or "none"


def provenance() -> dict:
    """Date, git commit and whether the work tree had uncommitted changes.

    Examples
    --------
    >>> sorted(provenance())
    ['commit', 'date', 'dirty', 'load_average']
    """

    def git(*args: str) -> str:
        try:
            return subprocess.run(
                ["git", "-C", str(ROOT), *args], capture_output=True, text=True, check=True
            ).stdout.strip()
        except (OSError, subprocess.CalledProcessError):
            return ""

    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "commit": git("rev-parse", "HEAD") or "unknown (not a git checkout)",
        "dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "load_average": [round(load, 2) for load in os.getloadavg()],
    }


# -- data -------------------------------------------------------------------------------


def sum_data(n: int = 1000) -> tuple[np.ndarray, np.ndarray]:
    """The seed task: 20 uniform values per sequence, label 1 when they sum above 10.

    Examples
    --------
    >>> X, y = sum_data(5)
    >>> X.shape, set(y) <= {0, 1}
    ((5, 20), True)
    """
    rng = np.random.default_rng(42)
    X = rng.uniform(size=(n, 20))
    return X, (X.sum(axis=1) > 10).astype(int)


def load_series_csv(name: str, split: str) -> tuple[list[np.ndarray], np.ndarray]:
    """One split of a data set shipped in ``benchmarks/data``.

    Parameters
    ----------
    name : str
        Data set, such as ``"Coffee"``.
    split : {"TRAIN", "TEST"}
        Which file.

    Returns
    -------
    series : list of ndarray
        One 1-D float array per series, trailing empty cells dropped (so the
        series of a variable-length set keep their own lengths).
    targets : ndarray
        The first column: class labels or regression targets.

    Examples
    --------
    >>> series, labels = load_series_csv("ItalyPowerDemand", "TRAIN")
    >>> len(series), len(series[0]), sorted(set(labels.tolist()))
    (67, 24, [1, 2])
    """
    import pandas as pd

    table = pd.read_csv(DATA / f"{name}_{split}.csv")
    values = table.iloc[:, 1:].to_numpy(dtype=float)
    lengths = values.shape[1] - np.argmax(~np.isnan(values[:, ::-1]), axis=1)
    series = [row[:length] for row, length in zip(values, lengths, strict=True)]
    return series, table.iloc[:, 0].to_numpy()


def left_pad(series: list[np.ndarray], length: int, value: float) -> np.ndarray:
    """Stack 1-D series into ``(n, length, 1)``, padding each on the left with ``value``.

    Examples
    --------
    >>> left_pad([np.array([1.0, 2.0]), np.array([3.0])], 3, 0.0)[:, :, 0]
    array([[0., 1., 2.],
           [0., 0., 3.]], dtype=float32)
    """
    out = np.full((len(series), length, 1), value, dtype=np.float32)
    for row, values in zip(out, series, strict=True):
        row[length - len(values) :, 0] = values
    return out


# -- memory and fresh processes ---------------------------------------------------------


def status_mb(field: str) -> float:
    """A memory field of ``/proc/self/status`` (``VmRSS``, ``VmHWM``) in MB.

    ``VmHWM`` is the peak resident set of this process's own address space: a
    freshly exec'ed interpreter starts a new one, so unlike ``ru_maxrss`` (which
    Linux carries over from the parent across fork and exec) it is not inherited.
    """
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith(field + ":"))
    return int(line.split()[1]) / 1024


def jsonable(value: object) -> object:
    """``value`` as JSON can hold it: NumPy scalars and arrays as Python values,
    anything else as its string (``json.dumps(..., default=jsonable)``)."""
    if isinstance(value, np.generic | np.ndarray):
        return value.tolist()
    return str(value)


def by_turns_in_fresh_processes(
    target: str, libraries: Sequence[str], rounds: int, **kwargs
) -> dict[str, list[dict]]:
    """``target(library=..., **kwargs)`` in a fresh interpreter per library and round,
    the libraries taking turns within each round (see :func:`in_fresh_process`).

    Returns
    -------
    dict
        Each library's results, in round order.
    """
    runs: dict[str, list[dict]] = {library: [] for library in libraries}
    for _ in range(rounds):
        for library in libraries:
            runs[library].append(in_fresh_process(target, library=library, **kwargs))
    return runs


# Set by in_this_process(): the smoke test runs every child in its own process.
_INLINE = False


@contextlib.contextmanager
def in_this_process():
    """Within this block, :func:`in_fresh_process` runs its function here instead.

    For the smoke test (``python -m benchmarks --quick``), whose figures are not
    reported: each fresh interpreter spends seconds importing TensorFlow. Its
    ``import_s`` and ``peak_rss_mb`` are then this process's.
    """
    global _INLINE
    before, _INLINE = _INLINE, True
    try:
        yield
    finally:
        _INLINE = before


def _run_here(target: str, time_import: str | None, kwargs: dict) -> dict:
    start = time.perf_counter()
    import_s = None
    if time_import:
        importlib.import_module(time_import)
        import_s = time.perf_counter() - start
    module_name, function_name = target.split(":")
    result = getattr(importlib.import_module(module_name), function_name)(**kwargs)
    result.update(
        import_s=import_s, peak_rss_mb=status_mb("VmHWM"), wall_s=time.perf_counter() - start
    )
    return json.loads(json.dumps(result, default=jsonable))  # as a child's would read


def in_fresh_process(
    target: str, time_import: str | None = None, timeout: float | None = None, **kwargs
) -> dict:
    """Run ``module:function(**kwargs)`` in a new interpreter and return its result.

    The child (``benchmarks._fresh``) imports nothing heavy of its own, so its peak
    RSS is the function's libraries and data. It adds ``import_s`` (seconds of
    ``import time_import``, done first, or None), ``peak_rss_mb`` (its own
    ``VmHWM``) and ``wall_s`` to the dictionary the function returns.

    Parameters
    ----------
    target : str
        ``"benchmarks.grid_search:search_once"``, say; the function returns a dict
        of JSON values.
    time_import : str, optional
        A module to import, and time, before anything else.
    timeout : float, optional
        Seconds before the child is killed.
    **kwargs
        JSON values passed to the function.

    Returns
    -------
    dict
    """
    if _INLINE:
        return _run_here(target, time_import, kwargs)
    completed = subprocess.run(
        [sys.executable, "-m", "benchmarks._fresh", target, json.dumps(kwargs)]
        + ([time_import] if time_import else []),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_MARKER)]
    if completed.returncode != 0 or not lines:
        raise RuntimeError(
            f"{target} failed in a fresh process (exit {completed.returncode}):\n"
            + completed.stderr[-3000:]
        )
    return json.loads(lines[-1][len(RESULT_MARKER) :])


# -- running one section alone --------------------------------------------------------


def section_main(run: Callable[..., object], report: Callable[[object], list[str]]) -> None:
    """Command line of a section module: run it, print its Markdown table.

    ``python -m benchmarks.<section> [--quick] [--json PATH]``.
    """
    parser = argparse.ArgumentParser(description=sys.modules[run.__module__].__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, as the smoke test")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args()
    result, seconds = timed(lambda: run(quick=args.quick))
    print("\n".join(report(result)))
    print(f"\n({seconds:.0f} s)")
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, default=str))
