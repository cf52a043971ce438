"""Predict latency of one GRU(50) network on windows of 10 steps, per path.

Every path predicts with the same network (standardisation, GRU(50), dense head),
each library's own copy fitted for one epoch on the same 800 sequences: sk_gru,
Keras's ``model.predict`` and ``predict_on_batch``, a compiled ``tf.function``,
scikeras, skorch, and the torch module that skorch trained, called directly under
``torch.no_grad()``. One sequence and a batch of 800; medians after 3 warm-up calls.

Each library's paths run in a fresh interpreter (sk_gru; Keras's three; scikeras;
skorch and torch), once per round, the libraries taking turns, each path timing
its calls in one block; each path reports the median of its rounds. One round let
a passing disturbance decide a comparison: sk_gru's one-sequence predict once took
0.274 ms in a benchmark run and 0.17 to 0.20 ms timed alone right after. Paths of
other libraries in the same process disturbed sk_gru's: timed call by call in
turn, the 50 to 90 ms Keras calls between left TensorFlow's thread pools and the
caches in another state (0.66 ms for sk_gru); in rounds in one process, sk_gru's
batch of 800 took 1.8 to 3.3 ms over four runs, against 1.9 to 2.1 ms timed alone
(three processes), while torch's call held at 2.9 to 3.1 ms.
"""

from __future__ import annotations

import statistics
from pathlib import Path

import numpy as np

from benchmarks import peers
from benchmarks.common import by_turns_in_fresh_processes, median_seconds, section_main, size

SIZES = {"repeats": (300, 20), "slow_repeats": (30, 3), "rounds": (3, 1)}

# One process per library and round, each timing that library's paths (see _paths).
LIBRARIES = ("sk_gru", "Keras", "scikeras", "torch")


def _paths(library: str, quick: bool) -> dict:
    """``{path: (call one sequence, call 800, repeats)}`` of one library (skorch's
    paths under "torch"), its own network fitted for one epoch on the same 800
    sequences."""
    repeats, slow = size(SIZES, "repeats", quick), size(SIZES, "slow_repeats", quick)
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(800, 10))
    y = X.sum(axis=1)
    one, batch = X[:1], X
    X3, one3 = X[..., None].astype("float32"), one[..., None].astype("float32")
    if library == "sk_gru":
        from sk_gru import GRURegressor

        ours = GRURegressor(units=50, epochs=1, random_state=0).fit(X, y)
        return {"sk_gru predict": (lambda: ours.predict(one), lambda: ours.predict(batch), repeats)}
    if library == "Keras":
        import tensorflow as tf

        keras_model = peers.keras_fit(X, y, units=50, epochs=1, batch_size=32, classify=False)
        compiled = tf.function(
            lambda x: keras_model(x, training=False),
            input_signature=[tf.TensorSpec((None, 10, 1), tf.float32)],
        ).get_concrete_function()
        return {
            "Keras model.predict": (
                lambda: keras_model.predict(one3, verbose=0),
                lambda: keras_model.predict(X3, verbose=0),
                slow,
            ),
            "Keras predict_on_batch": (
                lambda: keras_model.predict_on_batch(one3),
                lambda: keras_model.predict_on_batch(X3),
                repeats,
            ),
            "compiled tf.function call": (
                lambda: compiled(tf.constant(one3)),
                lambda: compiled(tf.constant(X3)),
                repeats,
            ),
        }
    if library == "scikeras":
        theirs = peers.scikeras_estimator(units=50, epochs=1, batch_size=32, classify=False)
        theirs.fit(X, y)
        return {
            "scikeras predict": (lambda: theirs.predict(one), lambda: theirs.predict(batch), slow)
        }
    import torch

    net = peers.skorch_estimator(X=X3, units=50, epochs=1, batch_size=32, classify=False)
    net.fit(X3, y[:, None].astype("float32"))
    module = net.module_.eval()
    one_t, batch_t = torch.from_numpy(one3), torch.from_numpy(X3)

    def call(x):
        with torch.no_grad():
            return module(x).numpy()

    return {
        "skorch predict": (lambda: net.predict(one3), lambda: net.predict(X3), repeats),
        "torch module call, no_grad": (lambda: call(one_t), lambda: call(batch_t), repeats),
    }


def time_paths(library: str, quick: bool) -> dict:
    """One round of one library's paths, in this process (meant for a fresh one: see
    :func:`run`): ``{"seconds": {path: [one sequence, 800 sequences]}}``, medians."""
    return {
        "seconds": {
            name: [median_seconds(single, n), median_seconds(many, max(3, n // 10))]
            for name, (single, many, n) in _paths(library, quick).items()
        }
    }


def run(quick: bool = False) -> list[dict]:
    """Median milliseconds per predict call, one row per path.

    Each library's paths run in a fresh interpreter per round, the libraries taking
    turns (see the module docstring).

    Parameters
    ----------
    quick : bool, default=False
        Few repeats and one round (the smoke test).

    Returns
    -------
    list of dict
        ``path``, ``single_ms`` (one sequence) and ``batch800_ms``: medians over
        the rounds of each round's median.
    """
    libraries = [name for name in LIBRARIES if name != "torch" or peers.torch_available()]
    runs = by_turns_in_fresh_processes(
        "benchmarks.latency:time_paths", libraries, size(SIZES, "rounds", quick), quick=quick
    )
    rounds: dict[str, list[list[float]]] = {}
    for library_runs in runs.values():
        for run in library_runs:
            for name, times in run["seconds"].items():
                rounds.setdefault(name, []).append(times)
    return [
        {
            "path": name,
            "single_ms": 1e3 * statistics.median(single for single, _ in times),
            "batch800_ms": 1e3 * statistics.median(many for _, many in times),
        }
        for name, times in rounds.items()
    ]


def report(rows: list[dict]) -> list[str]:
    """The latency table, with ratios against sk_gru."""
    ours = next(row for row in rows if row["path"] == "sk_gru predict")
    lines = [
        "## Predict latency (GRU(50), windows of 10 steps, 1 feature)",
        "",
        "Median of repeated calls after 3 warm-up calls, in rounds: each library's "
        "paths in a fresh interpreter per round (sk_gru; Keras; scikeras; skorch and "
        "torch), the libraries taking turns, and each path reports the median of its "
        "rounds. Ratios are the path's time over sk_gru's (above 1: sk_gru is faster).",
        "",
        "| Path | One sequence (ms) | vs sk_gru | Batch of 800 (ms) | vs sk_gru |",
        "|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['path']} | {row['single_ms']:.3f} | "
            f"{row['single_ms'] / ours['single_ms']:.2f}x | {row['batch800_ms']:.2f} | "
            f"{row['batch800_ms'] / ours['batch800_ms']:.2f}x |"
        )
    return lines + [""]


def plot(rows: list[dict], output_dir: Path) -> Path:
    """Bar chart of one-sequence latency per path (log scale); returns the PNG's path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.barh([row["path"] for row in rows], [row["single_ms"] for row in rows])
    ax.set_xscale("log")
    ax.set_xlabel("median latency of one sequence (ms, log scale)")
    ax.invert_yaxis()
    path = Path(output_dir) / "predict_latency.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path


if __name__ == "__main__":
    section_main(run, report)
