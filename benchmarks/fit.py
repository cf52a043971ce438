"""Training speed: whole fits per library, small fits against skorch, and the cost of a step.

Three tables, each measured side by side in one run:

- fit wall time on the sum task (GRU(32), batch 32 for every library, fixed epochs)
  for sk_gru, hand-written Keras, scikeras and skorch, in one process, after a
  warm-up fit of each;
- fit + predict of small regressors, sk_gru against skorch on the same network,
  after a warm-up fit of each (so the second and later fits of the process), each
  library in its own fresh interpreters, in rounds; and the same cases cold, as the
  first fit of a fresh process, with the library's import timed apart;
- milliseconds per training step (batch 32, GRU(32), 20 steps, 1 feature): sk_gru
  (a long fit divided by its steps), a compiled ``tf.function`` train step of the
  same Keras network, unrolled and under ``jit_compile`` too, and torch's eager step.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import numpy as np

from benchmarks import peers
from benchmarks.common import (
    by_turns_in_fresh_processes,
    in_fresh_process,
    section_main,
    size,
    sum_data,
    timed,
)

SIZES = {
    "library_n": (800, 64),
    "library_epochs": (10, 1),
    "library_repeats": (3, 1),
    # Fit + predict repeats: the small case takes about 15 ms a run, so it gets more
    # to steady its median on a shared machine; the 10-epoch case about 1 s.
    "small_repeats": (15, 1),
    "big_repeats": (5, 1),
    "small_rounds": (3, 1),  # fresh interpreters per library for the two cases above
    "big_fit": ((800, 20, 10), (64, 20, 2)),  # sequences, steps, epochs
    "long_fit_epochs": (20, 2),
    "raw_steps": (500, 20),
    "step_rounds": (3, 1),
}


# The sum-task case, applied alike to every library.
LIBRARY_CASE = {"units": 32, "batch_size": 32}


def library_fits(quick: bool = False) -> list[dict]:
    """Median fit time of each library on the sum task, after a tiny warm-up fit of each.

    Parameters
    ----------
    quick : bool, default=False
        Tiny sizes.

    Returns
    -------
    list of dict
        ``library``, ``fit_s`` (median), ``n``, ``epochs``.
    """
    from sk_gru import GRUClassifier

    n, epochs = size(SIZES, "library_n", quick), size(SIZES, "library_epochs", quick)
    X, y = sum_data(max(n, 100))
    X, y = X[:n], y[:n]
    X3 = X[..., None].astype("float32")

    def runners(X, X3, y, epochs):
        case = {**LIBRARY_CASE, "epochs": epochs}
        found = {
            "sk_gru": lambda: GRUClassifier(**case, early_stopping=False, random_state=0).fit(X, y),
            "hand-written Keras": lambda: peers.keras_fit(X, y, **case, classify=True),
            "scikeras": lambda: peers.scikeras_estimator(**case, classify=True).fit(X, y),
        }
        if peers.torch_available():
            found["skorch"] = lambda: peers.skorch_estimator(X=X3, **case, classify=True).fit(
                X3, y.astype("float32")
            )
        return found

    for warm_up in runners(X[:64], X3[:64], y[:64], 1).values():
        warm_up()
    timed_runs = runners(X, X3, y, epochs)
    times: dict[str, list[float]] = {name: [] for name in timed_runs}
    for _ in range(size(SIZES, "library_repeats", quick)):  # interleaved
        for name, fit in timed_runs.items():
            times[name].append(timed(fit)[1])
    return [
        {"library": name, "fit_s": statistics.median(ts), "n": n, "epochs": epochs}
        for name, ts in times.items()
    ]


# What each library's cold process imports first (and times).
COLD_IMPORTS = {"sk_gru": "sk_gru", "skorch": "skorch"}


def _regression_data(n: int, steps: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(n, steps, 1)).astype("float32")
    return X, X.mean(axis=(1, 2)).astype("float32")


def _small_cases(quick: bool) -> list[tuple[int, int, int, int]]:
    """``(units, epochs, sequences, steps)`` of each fit + predict case."""
    big_n, big_steps, big_epochs = size(SIZES, "big_fit", quick)
    return [(16, 1, 100, 10), (32, big_epochs, big_n, big_steps)]


def fit_and_predict_times(library: str, quick: bool) -> dict:
    """One library's fit + predict times for every case, in this process (meant for a
    fresh one: see :func:`small_fits`). Each case fits once untimed (the warm-up),
    then its repeats.

    Returns
    -------
    dict
        ``times``: one list of seconds per case.
    """
    times = []
    repeats = (size(SIZES, "small_repeats", quick), size(SIZES, "big_repeats", quick))
    for case, case_repeats in zip(_small_cases(quick), repeats, strict=True):
        fit = _fit_and_predict(library, *case)
        fit()  # warm-up: the first fit of this case in the process
        times.append([timed(fit)[1] for _ in range(case_repeats)])
    return {"times": times}


def _fit_and_predict(library: str, units: int, epochs: int, n: int, steps: int):
    """A fit then predict of one case by ``library`` ("sk_gru" or "skorch")."""
    X, y = _regression_data(n, steps)
    if library == "sk_gru":
        from sk_gru import GRURegressor

        def fit():
            model = GRURegressor(
                units=units, epochs=epochs, batch_size=32, early_stopping=False, random_state=0
            )
            return model.fit(X, y).predict(X)

        return fit

    def fit():
        net = peers.skorch_estimator(X=X, units=units, epochs=epochs, batch_size=32, classify=False)
        return net.fit(X, y[:, None]).predict(X)

    return fit


def cold_fit_and_predict(library: str, case: int, quick: bool) -> dict:
    """The first fit + predict of a process: case ``case`` of :func:`_small_cases`
    (meant for a fresh interpreter that has only imported the library)."""
    seconds = timed(_fit_and_predict(library, *_small_cases(quick)[case]))[1]
    return {"case": case, "cold_s": seconds}


def cold_fits(quick: bool) -> dict[str, list[dict]]:
    """Per library, one fresh interpreter per case and round: ``import_s`` and ``cold_s``."""
    runs: dict[str, list[dict]] = {library: [] for library in COLD_IMPORTS}
    for _ in range(size(SIZES, "small_rounds", quick)):
        for case in range(len(_small_cases(quick))):
            for library, module in COLD_IMPORTS.items():
                runs[library].append(
                    in_fresh_process(
                        "benchmarks.fit:cold_fit_and_predict",
                        time_import=module,
                        library=library,
                        case=case,
                        quick=quick,
                    )
                )
    return runs


def small_fits(quick: bool = False) -> list[dict]:
    """Fit then predict, sk_gru (no early stopping) against skorch on the same network.

    Each library runs in its own fresh interpreter, once per round, the two taking
    turns; within a run each case fits once untimed (the warm-up), then several
    times. A case's figure is each library's median round (by its median repeat).
    In one process, the two interleaved, torch having run slowed TensorFlow's next
    fit: sk_gru's 10-epoch case took 0.99 s in one make bench run, 0.59 to 0.63 s
    alone in the same hour (``GRURegressor`` fits only, 7 repeats, two processes).

    Returns
    -------
    list of dict
        One per configuration: ``case``, ``sk_gru_s``, ``skorch_s``, ``repeats`` (per
        round) and ``rounds_s`` (each library's median of every round).
    """
    if not peers.torch_available():
        return []
    runs = by_turns_in_fresh_processes(
        "benchmarks.fit:fit_and_predict_times",
        ("sk_gru", "skorch"),
        size(SIZES, "small_rounds", quick),
        quick=quick,
    )
    cold = cold_fits(quick)
    rows = []
    for index, (units, epochs, n, steps) in enumerate(_small_cases(quick)):
        rounds = {
            library: [statistics.median(run["times"][index]) for run in library_runs]
            for library, library_runs in runs.items()
        }
        first = {
            library: [run for run in library_runs if run["case"] == index]
            for library, library_runs in cold.items()
        }
        rows.append(
            {
                **{
                    f"{library}_{key}": statistics.median(run[key] for run in first[library])
                    for library in first
                    for key in ("import_s", "cold_s")
                },
                "case": f"GRU({units}), {epochs} epoch{'s' * (epochs > 1)}, "
                f"{n} sequences of {steps} steps, batch 32, then predict them",
                "sk_gru_s": statistics.median_low(rounds["sk_gru"]),
                "skorch_s": statistics.median_low(rounds["skorch"]),
                "repeats": len(runs["sk_gru"][0]["times"][index]),
                "rounds_s": rounds,
            }
        )
    return rows


def _raw_steps(
    X, y, n_steps: int, jit_compile: bool = False, unroll: bool = False
) -> Callable[[], float]:
    """A compiled train step (GradientTape + ``optimizer.apply``) of the Keras network,
    traced (and compiled); the returned function times ``n_steps`` of it, in ms each."""
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(0)
    model, norm = peers.keras_gru(X.shape[1], X.shape[2], 32, 1, None, unroll=unroll)
    norm.adapt(X)
    optimizer = keras.optimizers.Adam(3e-3)
    loss_fn = keras.losses.MeanSquaredError()

    @tf.function(jit_compile=jit_compile)
    def step(x, target):
        with tf.GradientTape() as tape:
            loss = loss_fn(target, model(x, training=True))
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply(gradients, model.trainable_variables)
        return loss

    batches = [
        (tf.constant(X[i : i + 32]), tf.constant(y[i : i + 32, None]))
        for i in range(0, len(X) - 31, 32)
    ]
    for x, target in batches[:3]:  # trace (and compile) first
        step(x, target).numpy()

    def run() -> float:
        start = time.perf_counter()
        for i in range(n_steps):
            loss = step(*batches[i % len(batches)])
        loss.numpy()
        return 1e3 * (time.perf_counter() - start) / n_steps

    return run


def _torch_steps(X, y, n_steps: int) -> Callable[[], float]:
    """torch's eager train step of the same network: forward, MSE, backward, Adam;
    the returned function times ``n_steps`` of it, in ms each."""
    import torch

    torch.manual_seed(0)
    module = peers.torch_gru_class()(1, 32, float(X.mean()), float(X.std()))
    optimizer = torch.optim.Adam(module.parameters(), lr=3e-3)
    loss_fn = torch.nn.MSELoss()
    batches = [
        (torch.from_numpy(X[i : i + 32]), torch.from_numpy(y[i : i + 32, None]))
        for i in range(0, len(X) - 31, 32)
    ]

    def step(x, target):
        optimizer.zero_grad()
        loss = loss_fn(module(x), target)
        loss.backward()
        optimizer.step()

    for batch in batches[:3]:
        step(*batch)

    def run() -> float:
        start = time.perf_counter()
        for i in range(n_steps):
            step(*batches[i % len(batches)])
        return 1e3 * (time.perf_counter() - start) / n_steps

    return run


def step_times(quick: bool = False) -> list[dict]:
    """Milliseconds per training step, batch 32, GRU(32), 20 steps, 1 feature.

    Each path is timed in several rounds, the paths taking turns within a round,
    and reports its median: a machine that slows down for a while then slows
    every path, not the one that happened to run then.

    Returns
    -------
    list of dict
        ``path``, ``ms_per_step``, ``note``.
    """
    from sk_gru import GRURegressor

    X, y = _regression_data(800, 20)
    epochs = size(SIZES, "long_fit_epochs", quick)
    n_raw = size(SIZES, "raw_steps", quick)
    rounds = size(SIZES, "step_rounds", quick)
    steps_per_epoch = int(np.ceil(len(X) / 32))

    def fit(epochs):
        return GRURegressor(
            units=32, epochs=epochs, batch_size=32, early_stopping=False, random_state=0
        ).fit(X, y)

    fit(1)  # warm-up
    paths = {
        "sk_gru fit (whole fit / its steps)": (
            lambda: 1e3 * timed(lambda: fit(epochs))[1] / (epochs * steps_per_epoch),
            f"{epochs} epochs x {steps_per_epoch} steps, after a warm-up fit; "
            "the same architecture, so no tracing; includes validation, weight setup and "
            "per-epoch work",
        ),
        "compiled tf.function train step": (
            _raw_steps(X, y, n_raw),
            f"GradientTape + optimizer.apply, mean of {n_raw} steps after tracing",
        ),
        "same, unroll=True": (
            _raw_steps(X, y, n_raw, unroll=True),
            f"the GRU unrolled (as sk_gru trains up to 32 steps on a CPU), mean of {n_raw} "
            "steps after tracing",
        ),
        "same, jit_compile=True": (
            _raw_steps(X, y, n_raw, jit_compile=True),
            f"XLA, mean of {n_raw} steps after compiling",
        ),
    }
    if peers.torch_available():
        paths["torch eager train step"] = (
            _torch_steps(X, y, n_raw),
            f"forward, MSELoss, backward, Adam; mean of {n_raw} steps",
        )
    times: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(rounds):
        for path, (run, _) in paths.items():
            times[path].append(run())
    return [
        {
            "path": path,
            "ms_per_step": statistics.median(times[path]),
            "note": f"{note}; median of {rounds} rounds",
        }
        for path, (_, note) in paths.items()
    ]


def run(quick: bool = False) -> dict:
    """All three tables: ``libraries``, ``small_fits`` and ``steps``."""
    return {
        "libraries": library_fits(quick),
        "small_fits": small_fits(quick),
        "steps": step_times(quick),
    }


def report(result: dict) -> list[str]:
    """The three training-speed tables, with ratios."""
    libraries = result["libraries"]
    ours = next(row["fit_s"] for row in libraries if row["library"] == "sk_gru")
    lines = [
        f"## Fit wall time (sum task, {libraries[0]['n']} sequences of 20 steps, "
        f"GRU({LIBRARY_CASE['units']}), batch {LIBRARY_CASE['batch_size']} for every library, "
        f"{libraries[0]['epochs']} epoch{'s' * (libraries[0]['epochs'] != 1)})",
        "",
        "Median of interleaved fits, after one tiny warm-up fit of each library: sk_gru "
        "has traced its program by then (its timed fits trace nothing), while "
        "hand-written Keras and scikeras build, compile and trace a new model in every "
        "fit. skorch is its binary classifier (BCE on logits), like the others. A "
        'process\'s first fit is in the table "Cold" below.',
        "",
        "| Library | Median fit (s) | vs sk_gru |",
        "|---|---|---|",
    ]
    lines += [
        f"| {row['library']} | {row['fit_s']:.2f} | {row['fit_s'] / ours:.2f}x |"
        for row in libraries
    ]
    if result["small_fits"]:
        lines += [
            "",
            "## Fit + predict against skorch (regression, same network, after a warm-up fit)",
            "",
            "sk_gru: `GRURegressor(early_stopping=False)`; skorch 1.4: `NeuralNetRegressor` "
            "of the same standardisation, GRU and linear head, Adam 3e-3, no validation "
            "split. Each library in a fresh interpreter per round, the two taking turns; "
            "in each, every case fits once untimed, then its repeats. A library's figure is "
            "its median round (by the round's median repeat), with every round's median "
            "beside it. Ratio: sk_gru's time over skorch's (above 1: skorch is faster).",
            "",
            "| Case | sk_gru (s) | skorch (s) | sk_gru / skorch | Rounds, sk_gru; skorch (ms) "
            "| Repeats per round |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {row['case']} | {row['sk_gru_s']:.3f} | {row['skorch_s']:.3f} | "
            f"{row['sk_gru_s'] / row['skorch_s']:.2f}x | "
            + "; ".join(
                ", ".join(f"{1e3 * t:.0f}" for t in row["rounds_s"][library])
                for library in ("sk_gru", "skorch")
            )
            + f" | {row['repeats']} |"
            for row in result["small_fits"]
        ]
        lines += [
            "",
            "### Cold: the first fit + predict of a fresh process",
            "",
            "A script that fits once pays these. Each case and library in its own fresh "
            "interpreter that imports the library first (import timed apart), medians "
            "over the rounds.",
            "",
            "| Case | sk_gru import (s) | sk_gru first fit + predict (s) | skorch import (s) "
            "| skorch first fit + predict (s) | sk_gru / skorch, fit |",
            "|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {row['case']} | {row['sk_gru_import_s']:.2f} | {row['sk_gru_cold_s']:.2f} | "
            f"{row['skorch_import_s']:.2f} | {row['skorch_cold_s']:.2f} | "
            f"{row['sk_gru_cold_s'] / row['skorch_cold_s']:.2f}x |"
            for row in result["small_fits"]
        ]
    steps = result["steps"]
    ours_step = steps[0]["ms_per_step"]
    lines += [
        "",
        "## Milliseconds per training step (batch 32, GRU(32), 20 steps, 1 feature, Adam)",
        "",
        "| Path | ms per step | vs sk_gru | How |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {row['path']} | {row['ms_per_step']:.2f} | "
        f"{row['ms_per_step'] / ours_step:.2f}x | {row['note']} |"
        for row in steps
    ]
    return lines + [""]


if __name__ == "__main__":
    section_main(run, report)
