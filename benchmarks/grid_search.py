"""Per-fit cost of a grid search: 2-fold GridSearchCV over learning rates, per library.

Every library does the same task: binary classification of the sum-task sequences
(GRU(16), 1 epoch, batch 32), two stratified folds, scored by accuracy. Each
library's search runs in its own fresh interpreter (after a one-candidate warm-up
search of 2 fits), which also gives the memory section its RSS figures and times
``import sk_gru`` (in sk_gru's process, first thing).

sk_gru and skorch, whose per-fit times the targets compare, search in several
rounds, taking turns, and each reports its median round: a single search of each
took 19 to 35 ms per fit for skorch over three runs of the same day (22 to 27 ms
for sk_gru), so one round could decide the comparison by when each ran.
"""

from __future__ import annotations

import numpy as np

from benchmarks import peers
from benchmarks.common import (
    by_turns_in_fresh_processes,
    in_fresh_process,
    section_main,
    size,
    status_mb,
    sum_data,
    timed,
)

SIZES = {"n": (200, 40), "candidates": (20, 1), "rounds": (3, 1)}
# The search users run first: widths and learning rates together, refit included.
WIDTH_GRID = {False: ((8, 16, 32, 64), (1e-3, 3e-3, 1e-2)), True: ((4, 8), (1e-2,))}
COMMON = {"units": 16, "epochs": 1, "batch_size": 32}
LIBRARIES = ("sk_gru", "hand-written Keras", "scikeras", "skorch")
REPEATED = ("sk_gru", "skorch")  # searched in every round: the targets compare them


def rates(quick: bool) -> list[float]:
    """The learning rates searched: geometric from 1e-3 to 1e-1."""
    return np.geomspace(1e-3, 1e-1, size(SIZES, "candidates", quick)).tolist()


def search_function(library: str, X: np.ndarray, y: np.ndarray):
    """``search(rates, n_jobs=1)`` for one library, returning each candidate's mean
    test accuracy over the same two stratified folds. Imports only that library."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    folds = StratifiedKFold(2)

    def grid(estimator, X, y, param, rates, n_jobs=1):
        search = GridSearchCV(
            estimator, {param: rates}, cv=folds, scoring="accuracy", n_jobs=n_jobs, refit=False
        )
        return search.fit(X, y).cv_results_["mean_test_score"]

    if library == "sk_gru":
        from sk_gru import GRUClassifier

        ours = GRUClassifier(**COMMON, early_stopping=False, random_state=0)
        return lambda rates, n_jobs=1: grid(ours, X, y, "learning_rate", rates, n_jobs)
    if library == "scikeras":
        theirs = peers.scikeras_estimator(classify=True, **COMMON)
        return lambda rates, n_jobs=1: grid(theirs, X, y, "optimizer__learning_rate", rates, n_jobs)
    if library == "skorch":
        X3 = X[..., None].astype("float32")
        net = peers.skorch_estimator(X=X3, classify=True, **COMMON)
        return lambda rates, n_jobs=1: grid(net, X3, y.astype("float32"), "lr", rates, n_jobs)

    def keras_by_hand(rates, n_jobs=1):
        scores = []
        for rate in rates:
            fold_scores = []
            for train, test in folds.split(X, y):
                model = peers.keras_fit(
                    X[train], y[train], classify=True, learning_rate=rate, **COMMON
                )
                predicted = model.predict(X[test, :, None], verbose=0)[:, 0] > 0.5
                fold_scores.append(np.mean(predicted == y[test]))
            scores.append(np.mean(fold_scores))
        return np.array(scores)

    return keras_by_hand


def search_once(library: str, quick: bool) -> dict:
    """One library's search, meant for a fresh process (see :func:`run`).

    Returns
    -------
    dict
        ``library``, wall seconds ``s``, ``per_fit_s``, RSS growth ``per_fit_mb``
        over the search's fits (after a warm-up search of 2 fits) and ``scores``.
    """
    X, y = sum_data(size(SIZES, "n", quick))
    candidates = rates(quick)
    search = search_function(library, X, y)
    search(candidates[:1])
    before = status_mb("VmRSS")
    scores, seconds = timed(lambda: search(candidates))
    n_fits = 2 * len(candidates)
    return {
        "library": library,
        "mode": "serial",
        "s": seconds,
        "per_fit_s": seconds / n_fits,
        "per_fit_mb": (status_mb("VmRSS") - before) / n_fits,
        "scores": [float(score) for score in scores],
    }


def widths_search_once(library: str, quick: bool) -> dict:
    """GridSearchCV over widths and learning rates (2 folds, refit), meant for a fresh
    process, after one warm-up fit of a width outside the grid.

    Returns
    -------
    dict
        ``library``, wall seconds ``s``, ``fits`` and ``per_fit_s``.
    """
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    X, y = sum_data(size(SIZES, "n", quick))
    widths, rates_ = WIDTH_GRID[quick]
    common = {"epochs": 1, "batch_size": 32}
    if library == "sk_gru":
        from sk_gru import GRUClassifier

        def make(units):
            return GRUClassifier(units=units, **common, early_stopping=False, random_state=0)

        grid, data = {"units": widths, "learning_rate": rates_}, (X, y)
    else:
        X3 = X[..., None].astype("float32")

        def make(units):
            return peers.skorch_estimator(X=X3, units=units, classify=True, **common)

        grid, data = {"module__units": widths, "lr": rates_}, (X3, y.astype("float32"))
    make(12).fit(*data)  # warm-up: the library's runtime, not the grid's widths
    search = GridSearchCV(make(widths[0]), grid, cv=StratifiedKFold(2), scoring="accuracy")
    _, seconds = timed(lambda: search.fit(*data))
    fits = 2 * len(widths) * len(rates_) + 1
    return {
        "library": library,
        "s": seconds,
        "fits": fits,
        "per_fit_s": seconds / fits,
        "grid": {"widths": list(widths), "learning_rates": list(rates_)},
    }


# Predict batch sizes timed at a new width: each inference path (see
# sk_gru._training.Program.infer) once.
PREDICT_ROWS = (1, 100, 512)


def new_width_fits(quick: bool) -> dict:
    """sk_gru's first fit of each width of the grid against its second, in a fresh
    process after one warm-up fit of a width outside the grid (the same topology):
    what a new width adds to a warm fit; then, per width, the first and second
    predict of each of ``PREDICT_ROWS``.

    Returns
    -------
    dict
        ``widths``, ``first_s`` and ``second_s`` (one entry per width), and
        ``predict_s``: per width, ``[first, second]`` seconds per entry of ``rows``.
    """
    from sk_gru import GRUClassifier

    X, y = sum_data(size(SIZES, "n", quick))
    widths, _ = WIDTH_GRID[quick]

    def fit(units):
        model = GRUClassifier(units=units, epochs=1, batch_size=32, early_stopping=False)
        return model.set_params(random_state=0).fit(X, y)

    fit(12)
    first, second, predict = [], [], []
    for units in widths:
        first.append(timed(lambda units=units: fit(units))[1])
        model, seconds = timed(lambda units=units: fit(units))
        second.append(seconds)
        batches = [np.resize(X, (rows, *X.shape[1:])) for rows in PREDICT_ROWS]
        predict.append(
            [[timed(lambda b=b, m=model: m.predict(b))[1] for _ in range(2)] for b in batches]
        )
    return {
        "widths": list(widths),
        "first_s": first,
        "second_s": second,
        "rows": list(PREDICT_ROWS),
        "predict_s": predict,
    }


def widths_search(quick: bool) -> list[dict]:
    """sk_gru's and skorch's search over widths, a fresh interpreter per library and
    round, taking turns; each library's median round."""
    if not peers.torch_available():
        return []
    runs = by_turns_in_fresh_processes(
        "benchmarks.grid_search:widths_search_once",
        REPEATED,
        size(SIZES, "rounds", quick),
        quick=quick,
    )
    return [_median_round(library_runs) for library_runs in runs.values()]


def run(quick: bool = False) -> dict:
    """Each library's serial search, each in its own fresh interpreter.

    The libraries of ``REPEATED`` search once per round, the others in the first
    round only; a library's row is its median round (by time per fit).

    Returns
    -------
    dict
        ``rows`` (one per library, with the child's ``peak_rss_mb``, the
        ``rounds_per_fit_s`` of every round and the largest ``per_fit_mb`` of
        them), ``fits`` per search, ``n`` sequences and ``import_s`` of sk_gru in a
        fresh interpreter.
    """
    libraries = [lib for lib in LIBRARIES if lib != "skorch" or peers.torch_available()]
    rounds: dict[str, list[dict]] = {library: [] for library in libraries}
    for round_ in range(size(SIZES, "rounds", quick)):
        for library in libraries:
            if round_ == 0 or library in REPEATED:
                rounds[library].append(
                    in_fresh_process(
                        "benchmarks.grid_search:search_once",
                        time_import="sk_gru" if library == "sk_gru" else None,
                        library=library,
                        quick=quick,
                    )
                )
    rows = [
        {
            **_median_round(rounds[library]),
            "per_fit_mb": max(r["per_fit_mb"] for r in rounds[library]),
        }
        for library in libraries
    ]
    rounds_new = [
        in_fresh_process("benchmarks.grid_search:new_width_fits", quick=quick)
        for _ in range(size(SIZES, "rounds", quick))
    ]
    added = np.median(
        [np.subtract(r["first_s"], r["second_s"]) for r in rounds_new], axis=0
    ).tolist()
    predict = np.median([r["predict_s"] for r in rounds_new], axis=0).tolist()
    return {
        "rows": rows,
        "new_width": {
            "widths": rounds_new[0]["widths"],
            "added_s": added,
            "rows": rounds_new[0]["rows"],
            "predict_s": predict,
        },
        "widths": widths_search(quick),
        "fits": 2 * len(rates(quick)),
        "n": size(SIZES, "n", quick),
        "import_s": next(row["import_s"] for row in rows if row["library"] == "sk_gru"),
    }


def _median_round(runs: list[dict]) -> dict:
    """The run of median time per fit, with every round's time per fit."""
    ordered = sorted(runs, key=lambda run: run["per_fit_s"])
    return {
        **ordered[(len(ordered) - 1) // 2],
        "rounds_per_fit_s": [run["per_fit_s"] for run in runs],
    }


def report(result: dict) -> list[str]:
    """The per-fit cost table."""
    ours = next(row for row in result["rows"] if row["library"] == "sk_gru")
    lines = [
        f"## Grid search: per-fit cost ({result['fits']} fits: 2-fold GridSearchCV over "
        f"learning rates, GRU(16), 1 epoch, {result['n']} sequences)",
        "",
        "Same task for every library: binary classification, the same two stratified "
        "folds, scored by accuracy. Each search in a fresh process, after a warm-up "
        "search of 2 fits. sk_gru and skorch searched once per round, taking turns; "
        "their rows are the median round, with every round's time per fit beside it.",
        "",
        "| Library | Wall (s) | Per fit (s) | vs sk_gru | Rounds, per fit (ms) "
        "| Mean accuracy over candidates |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['library']} | {row['s']:.1f} | {row['per_fit_s']:.3f} | "
        f"{row['s'] / ours['s']:.2f}x | "
        f"{', '.join(f'{1e3 * s:.0f}' for s in row['rounds_per_fit_s'])} | "
        f"{np.mean(row['scores']):.3f} |"
        for row in result["rows"]
    ]
    lines += [
        "",
        f"`import sk_gru` in a fresh interpreter: {result['import_s']:.2f} s "
        "(timed first thing in sk_gru's search process).",
        "",
    ]
    if result.get("widths"):
        grid = result["widths"][0]["grid"]
        lines += [
            f"### Grid search over widths (widths {grid['widths']} x learning rates "
            f"{grid['learning_rates']}, 2 folds, refit: {result['widths'][0]['fits']} fits; "
            "GRU, 1 epoch, "
            f"batch 32, {result['n']} sequences of 20 steps)",
            "",
            "The learning rate is data to sk_gru, and on a CPU (without recurrent dropout) "
            "so are the widths: after "
            "the warm-up fit, the search traces nothing "
            "new; a width's first predict of a batch of up to 32 or of 512 rows or more "
            "compiles (XLA, below), and the folds' 100 rows do not. Each library "
            "in a fresh interpreter per round, taking turns, after one warm-up fit of a "
            "width outside the grid; the median round.",
            "",
            "| Library | Wall (s) | Per fit (ms) | Rounds, per fit (ms) |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {row['library']} | {row['s']:.2f} | {1e3 * row['per_fit_s']:.0f} | "
            f"{', '.join(f'{1e3 * s:.0f}' for s in row['rounds_per_fit_s'])} |"
            for row in result["widths"]
        ]
        lines.append("")
    if result.get("new_width"):
        new = result["new_width"]
        added = ", ".join(
            f"GRU({units}) {1e3 * s:+.0f} ms"
            for units, s in zip(new["widths"], new["added_s"], strict=True)
        )
        lines += [
            "What a new width's first fit adds to a warm fit of the same width (sk_gru, "
            "1 epoch, after a warm-up fit of GRU(12); median over fresh processes, one "
            f"per round): {added}.",
            "",
        ]
        if "predict_s" in new:
            lines += [
                "A new width's first predict against its second (the same fitted "
                "model), per batch size; median over the same processes:",
                "",
                "| Width | "
                + " | ".join(f"{rows} rows: first / second (ms)" for rows in new["rows"])
                + " |",
                "|---|" + "---|" * len(new["rows"]),
            ]
            lines += [
                f"| GRU({units}) | "
                + " | ".join(f"{1e3 * a:.0f} / {1e3 * b:.1f}" for a, b in per_rows)
                + " |"
                for units, per_rows in zip(new["widths"], new["predict_s"], strict=True)
            ]
            lines.append("")
    return lines


if __name__ == "__main__":
    section_main(run, report)
