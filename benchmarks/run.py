"""sk_gru side by side with hand-written Keras, scikeras and skorch, in one run.

Writes benchmarks/RESULTS.md and PNG plots. Every comparison uses the same data,
network size, epochs and batch size; runs are interleaved and reported as medians
with ratios against sk_gru. ``--quick`` runs tiny sizes (the test suite's smoke test).

Run: make bench   (or: python benchmarks/run.py [--quick] [--parallel] [--output DIR])
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "examples")]

import numpy as np  # noqa: E402
import peers  # noqa: E402

# Sizes: (full run, --quick run).
SIZES = {
    "latency_repeats": (300, 20),
    "slow_latency_repeats": (30, 3),
    "fit_repeats": (3, 1),
    "fit_epochs": (10, 1),
    "n_train": (800, 64),
    "grid_n": (200, 40),
    "grid_candidates": (20, 1),
    "scaling_n": (128, 32),
    "quality_seeds": (3, 1),
}


def _median_seconds(function, repeats: int) -> float:
    for _ in range(3):  # warm-up: tracing and caches (sk_gru unrolls on its third call)
        function()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def machine() -> dict:
    import tensorflow as tf

    versions = {}
    for name in ("tensorflow", "keras", "scikeras", "scikit-learn", "numpy", "torch", "skorch"):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "processor": platform.machine(),
        "gpu": bool(tf.config.list_physical_devices("GPU")),
        **versions,
    }


def sum_data(n: int = 1000):
    rng = np.random.default_rng(42)
    X = rng.uniform(size=(n, 20))
    return X, (X.sum(axis=1) > 10).astype(int)


def latency(quick: bool) -> list[dict]:
    """Predict latency of a GRU(50) on windows of 10 steps, per path."""
    import tensorflow as tf

    from sk_gru import GRURegressor

    repeats = SIZES["latency_repeats"][quick]
    slow = SIZES["slow_latency_repeats"][quick]
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(800, 10))
    y = X.sum(axis=1)
    one, batch = X[:1], X
    ours = GRURegressor(units=50, epochs=1, random_state=0).fit(X, y)
    keras_model = peers.keras_fit(X, y, units=50, epochs=1, batch_size=32, classify=False)
    compiled = tf.function(
        lambda x: keras_model(x, training=False),
        input_signature=[tf.TensorSpec((None, 10, 1), tf.float32)],
    ).get_concrete_function()
    theirs = peers.scikeras_estimator(units=50, epochs=1, batch_size=32, classify=False)
    theirs.fit(X, y)
    X3, one3 = X[..., None].astype("float32"), one[..., None].astype("float32")
    paths = {
        "sk_gru predict": (lambda: ours.predict(one), lambda: ours.predict(batch), repeats),
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
        "scikeras predict": (lambda: theirs.predict(one), lambda: theirs.predict(batch), slow),
    }
    net = peers.skorch_estimator(n_features=1, units=50, epochs=1, batch_size=32)
    if net is not None:
        net.fit(X3, y[:, None].astype("float32"))
        paths["skorch predict"] = (lambda: net.predict(one3), lambda: net.predict(X3), repeats)
    rows = []
    for name, (single, many, n) in paths.items():
        rows.append(
            {
                "path": name,
                "single_ms": 1e3 * _median_seconds(single, n),
                "batch800_ms": 1e3 * _median_seconds(many, max(3, n // 10)),
            }
        )
    return rows


def fit_time(quick: bool) -> list[dict]:
    """Fit wall time, build and compile included, for a fixed number of epochs."""
    from sk_gru import GRUClassifier

    n, epochs, repeats = (
        SIZES["n_train"][quick],
        SIZES["fit_epochs"][quick],
        SIZES["fit_repeats"][quick],
    )
    X, y = sum_data(max(n, 100))
    X, y = X[:n], y[:n]
    runners = {
        "sk_gru": lambda: GRUClassifier(
            units=32, epochs=epochs, early_stopping=False, random_state=0
        ).fit(X, y),
        "hand-written Keras": lambda: peers.keras_fit(
            X, y, units=32, epochs=epochs, batch_size=32, classify=True
        ),
        "scikeras": lambda: peers.scikeras_estimator(
            units=32, epochs=epochs, batch_size=32, classify=True
        ).fit(X, y),
    }
    net = peers.skorch_estimator(n_features=1, units=32, epochs=epochs, batch_size=32)
    if net is not None:
        X3 = X[..., None].astype("float32")
        runners["skorch"] = lambda: peers.skorch_estimator(
            n_features=1, units=32, epochs=epochs, batch_size=32
        ).fit(X3, y[:, None].astype("float32"))
    # The latency section has already fitted each library once in this process,
    # so TensorFlow and torch are warm; the repeats are interleaved.
    times: dict[str, list[float]] = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return [{"library": name, "fit_s": statistics.median(ts)} for name, ts in times.items()]


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmRSS")).split()[1]) / 1024


def _grid_searches(X, y) -> dict:
    """For each library, a function running a 2-fold search over the given learning
    rates and returning the mean test score of each candidate."""
    from sklearn.model_selection import GridSearchCV, StratifiedKFold

    from sk_gru import GRUClassifier

    common = {"units": 16, "epochs": 1, "batch_size": 32}

    def search(estimator, grid, n_jobs=1):
        result = GridSearchCV(estimator, grid, cv=2, n_jobs=n_jobs, refit=False).fit(X, y)
        return result.cv_results_["mean_test_score"]

    def keras_by_hand(rates, n_jobs=1):
        scores = []
        for rate in rates:
            fold_scores = []
            for train, test in StratifiedKFold(2).split(X, y):
                model = peers.keras_fit(
                    X[train], y[train], classify=True, learning_rate=rate, **common
                )
                predicted = model.predict(X[test, :, None], verbose=0)[:, 0] > 0.5
                fold_scores.append(np.mean(predicted == y[test]))
            scores.append(np.mean(fold_scores))
        return np.array(scores)

    ours = GRUClassifier(**common, early_stopping=False, random_state=0)
    searches = {
        "sk_gru": lambda rates, n_jobs=1: search(ours, {"learning_rate": rates}, n_jobs),
        "hand-written Keras": keras_by_hand,
        "scikeras": lambda rates, n_jobs=1: search(
            peers.scikeras_estimator(classify=True, **common),
            {"optimizer__learning_rate": rates},
        ),
    }
    net = peers.skorch_estimator(n_features=1, **common)
    if net is not None:
        X3, y3 = X[..., None].astype("float32"), y[:, None].astype("float32")
        searches["skorch"] = lambda rates, n_jobs=1: (
            GridSearchCV(net, {"lr": rates}, cv=2, refit=False)
            .fit(X3, y3)
            .cv_results_["mean_test_score"]
        )
    return searches


def _grid_rates(quick: bool) -> list[float]:
    return np.geomspace(1e-3, 1e-1, SIZES["grid_candidates"][quick]).tolist()


def grid_search_serial(library: str, quick: bool) -> dict:
    """One library's grid search after a one-candidate warm-up (2 fits): wall time,
    RSS growth per fit over the search's fits, the process's peak RSS and the scores."""
    import resource

    X, y = sum_data(SIZES["grid_n"][quick])
    rates = _grid_rates(quick)
    search = _grid_searches(X, y)[library]
    search(rates[:1])
    rss = _rss_mb()
    start = time.perf_counter()
    scores = search(rates)
    seconds = time.perf_counter() - start
    n_fits = 2 * len(rates)
    return {
        "library": library,
        "mode": "serial",
        "s": seconds,
        "per_fit_s": seconds / n_fits,
        "per_fit_mb": (_rss_mb() - rss) / n_fits,
        "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "scores": [float(score) for score in scores],
    }


def grid_search(quick: bool, parallel: bool = False) -> dict:
    """Per-fit cost and memory growth in a 2-fold GridSearchCV over 20 learning rates:
    each library serially in a fresh process; with ``parallel``, then sk_gru on two
    loky workers and on a two-worker Dask cluster."""
    X, y = sum_data(SIZES["grid_n"][quick])
    rates = _grid_rates(quick)
    n_fits = 2 * len(rates)
    searches = _grid_searches(X, y)
    rows = []
    for library in searches:
        if quick:  # the smoke test only checks that the code runs
            rows.append(grid_search_serial(library, quick))
            continue
        # Each fresh process also times its first `import sk_gru`.
        code = (
            "import time; start = time.perf_counter(); import sk_gru; "
            "seconds = time.perf_counter() - start; "
            f"import sys, json; sys.path.insert(0, {str(HERE)!r}); import run; "
            f"print(json.dumps({{**run.grid_search_serial({library!r}, False), "
            "'import_s': seconds}))"
        )
        out = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        rows.append(json.loads(out.strip().splitlines()[-1]))
    import_s = statistics.median(row.get("import_s", math.nan) for row in rows)
    if not parallel:  # tests/test_parallel.py checks the parallel runs' scores
        return {"rows": rows, "fits": n_fits, "import_s": import_s}
    serial_scores = rows[0]["scores"]
    runs = {"loky, n_jobs=2": lambda: searches["sk_gru"](rates, n_jobs=2)}
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
                return searches["sk_gru"](rates, n_jobs=-1)

        runs["Dask LocalCluster, 2 workers"] = on_dask
    for mode, run in runs.items():
        start = time.perf_counter()
        scores = run()
        seconds = time.perf_counter() - start
        rows.append(
            {
                "library": "sk_gru",
                "mode": mode,
                "s": seconds,
                "per_fit_s": seconds / n_fits,
                "identical": bool(np.array_equal(scores, serial_scores)),
            }
        )
    return {"rows": rows, "fits": n_fits, "import_s": import_s}


def scaling(quick: bool) -> list[dict]:
    """How an epoch and a single predict grow with sequence length and with units."""
    import keras

    from sk_gru import GRURegressor

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    n = SIZES["scaling_n"][quick]
    configs = [(10, 64), (100, 64), (1000, 64), (100, 16), (100, 256)]
    if quick:
        configs = [(10, 8)]
    rng = np.random.default_rng(0)
    rows = []
    for steps, units in configs:
        X = rng.normal(size=(n, steps)).astype("float32")
        y = X.mean(axis=1)
        timer = EpochTimer()
        start = time.perf_counter()
        model = GRURegressor(
            units=units, epochs=3, early_stopping=False, random_state=0, callbacks=[timer]
        ).fit(X, y)
        fit_seconds = time.perf_counter() - start
        rows.append(
            {
                "steps": steps,
                "units": units,
                "fit_3_epochs_s": fit_seconds,
                "epoch_s": statistics.median(timer.seconds[1:]),  # the first one traces
                "single_ms": 1000 * _median_seconds(lambda m=model, x=X[:1]: m.predict(x), 20),
            }
        )
    return rows


def text_scale(quick: bool) -> dict:
    """Next-word training on 100k words with a 10k-word vocabulary: sparse targets."""
    import resource

    from sklearn.pipeline import make_pipeline

    from sk_gru import GRUClassifier, TextSequencer, next_word_pairs

    n_words, vocabulary = (100_000, 10_000) if not quick else (2_000, 200)
    rng = np.random.default_rng(0)
    # Zipf-like word frequencies, as in real text, over exactly `vocabulary` words.
    ranks = np.arange(1, vocabulary + 1)
    words = rng.choice(vocabulary, size=n_words, p=(1 / ranks) / np.sum(1 / ranks))
    words[:vocabulary] = np.arange(vocabulary)  # every word occurs at least once
    rng.shuffle(words)
    sentences = [" ".join(f"w{i}" for i in chunk) for chunk in np.array_split(words, n_words // 15)]
    prefixes, next_words = next_word_pairs(sentences)
    model = make_pipeline(
        TextSequencer(max_len=10),
        GRUClassifier(
            embedding_dim=32,
            units=64,
            epochs=2,
            batch_size=256,
            early_stopping=False,
            random_state=0,
        ),
    )
    start = time.perf_counter()
    model.fit(prefixes, next_words)
    seconds = time.perf_counter() - start
    epoch_seconds = seconds / 2
    n_classes = len(model[-1].classes_)
    return {
        "words": n_words,
        "pairs": len(prefixes),
        "vocabulary": model[0].vocabulary_size_,
        "classes": n_classes,
        "fit_s_2_epochs": seconds,
        "epoch_s": epoch_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "one_hot_targets_mb": len(prefixes) * n_classes * 4 / 2**20,
    }


def _over_seeds(run, quick: bool) -> tuple[float, float, tuple[float, float]]:
    """Median score, median seconds and score range of ``run(seed)`` over seeds."""
    scores, seconds = [], []
    for seed in range(SIZES["quality_seeds"][quick]):
        start = time.perf_counter()
        scores.append(run(seed))
        seconds.append(time.perf_counter() - start)
    return statistics.median(scores), statistics.median(seconds), (min(scores), max(scores))


def quality(quick: bool, output_dir: Path) -> list[dict]:
    """The seed tasks with sk_gru's defaults, next to hand-written Keras."""
    import airline
    import next_word
    import sine_forecasting

    from sk_gru import GRUClassifier

    X, y = sum_data()
    n = SIZES["n_train"][quick]
    epochs = {"epochs": 2} if quick else {}
    keras_epochs = 2 if quick else 10

    def ours_on_sum(seed):
        return GRUClassifier(random_state=seed, **epochs).fit(X[:n], y[:n]).score(X[800:], y[800:])

    def keras_on_sum(seed):
        model = peers.keras_fit(
            X[:n], y[:n], units=64, epochs=keras_epochs, batch_size=32, classify=True, seed=seed
        )
        return float(np.mean((model.predict(X[800:, :, None], verbose=0)[:, 0] > 0.5) == y[800:]))

    import pandas as pd

    train = pd.read_csv(HERE / "data" / "ItalyPowerDemand_TRAIN.csv")
    test = pd.read_csv(HERE / "data" / "ItalyPowerDemand_TEST.csv")
    X_train, y_train = train.drop(columns="label").to_numpy(), train["label"].to_numpy()
    X_test, y_test = test.drop(columns="label").to_numpy(), test["label"].to_numpy()

    def ours_on_italy(seed):
        return (
            GRUClassifier(random_state=seed, **epochs).fit(X_train, y_train).score(X_test, y_test)
        )

    def keras_on_italy(seed):
        model = peers.keras_fit(
            X_train,
            (y_train == 2).astype(int),
            units=64,
            epochs=keras_epochs,
            batch_size=32,
            classify=True,
            seed=seed,
        )
        predicted = np.where(model.predict(X_test[:, :, None], verbose=0)[:, 0] > 0.5, 2, 1)
        return float(np.mean(predicted == y_test))

    rows = []
    for task, ours, keras, note in [
        (
            "sum > 10, test accuracy",
            ours_on_sum,
            keras_on_sum,
            "GRU(64), 10 epochs, as the seed script",
        ),
        (
            "ItalyPowerDemand, test accuracy",
            ours_on_italy,
            keras_on_italy,
            "GRU(64), 10 epochs; published 1-NN 0.955, FCN 0.963, ROCKET 0.970",
        ),
    ]:
        score, seconds, spread = _over_seeds(ours, quick)
        keras_score, keras_seconds, keras_spread = _over_seeds(keras, quick)
        rows.append(
            {
                "task": task,
                "sk_gru": score,
                "s": seconds,
                "range": spread,
                "keras": keras_score,
                "keras_s": keras_seconds,
                "keras_range": keras_spread,
                "keras_note": note,
            }
        )
    if quick:
        return rows
    sine = sine_forecasting.main(output_dir=output_dir)
    series = sine_forecasting.make_series()
    split = int(0.8 * len(series))
    start = time.perf_counter()
    one_step, forecast = peers.keras_forecast(
        series, n_observed=split + 1, window=10, units=50, epochs=50, steps=50
    )
    keras_s = time.perf_counter() - start
    note = "GRU(50), min-max scaled, Adam 1e-3, batch 32, 50 epochs"
    rows.append(
        {
            "task": "sine, one-step test MSE",
            "sk_gru": sine["mse"],
            "s": sine["fit_seconds"],
            "keras": float(np.mean((one_step - series[split + 1 :]) ** 2)),
            "keras_s": keras_s,
            "keras_note": note,
        }
    )
    truth = series[split + 1 : split + 51]
    rows.append(
        {
            "task": "sine, 50-step recursive RMSE",
            "sk_gru": sine["rmse"],
            "s": sine["fit_seconds"],
            "keras": float(np.sqrt(np.mean((forecast - truth) ** 2))),
            "keras_note": note,
        }
    )

    from sk_gru.datasets import load_airline

    passengers = load_airline().to_numpy()
    train, test = passengers[:-36], passengers[-36:]
    log = np.log(train)

    def ours_on_airline(seed):
        return airline.main(random_state=seed, output_dir=output_dir)["mape"]

    def keras_on_airline(seed):
        # The same year-on-year differences of the log that the example models.
        _, change = peers.keras_forecast(
            log[12:] - log[:-12],
            n_observed=len(log) - 12,
            window=12,
            units=50,
            epochs=100,
            steps=36,
            seed=seed,
        )
        history = list(log)
        for value in change:
            history.append(value + history[-12])
        return float(np.mean(np.abs(np.exp(history[len(log) :]) - test) / test))

    mape, seconds, spread = _over_seeds(ours_on_airline, quick)
    keras_mape, keras_seconds, keras_spread = _over_seeds(keras_on_airline, quick)
    seasonal_naive = float(np.mean(np.abs(np.resize(train[-12:], 36) - test) / test))
    rows.append(
        {
            "task": "airline, 36-month MAPE",
            "sk_gru": mape,
            "s": seconds,
            "range": spread,
            "keras": keras_mape,
            "keras_s": keras_seconds,
            "keras_range": keras_spread,
            "keras_note": f"GRU(50) on the same log differences, 100 epochs; seasonal naive "
            f"{seasonal_naive:.3f}",
        }
    )
    seed = next_word.seed_task()
    rows.append({"task": "next word, seed sentences accuracy", "sk_gru": seed, "s": float("nan")})
    return rows


def plot(latency_rows: list[dict], output_dir: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7, 3.5))
    names = [row["path"] for row in latency_rows]
    ax.barh(names, [row["single_ms"] for row in latency_rows])
    ax.set_xscale("log")
    ax.set_xlabel("median latency of one sequence (ms, log scale)")
    ax.invert_yaxis()
    fig.savefig(output_dir / "predict_latency.png", dpi=110, bbox_inches="tight")
    plt.close(fig)


def report(results: dict) -> str:
    lat = {row["path"]: row for row in results["latency"]}
    ours = lat["sk_gru predict"]
    fits = {row["library"]: row["fit_s"] for row in results["fit"]}
    lines = [
        "# sk_gru benchmark results",
        "",
        f"Generated by `make bench` on {results['date']}, in {results['total_s'] / 60:.1f} "
        "minutes (package installation not included).",
        "",
    ]
    lines += ["## Machine", "", "| | |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in results["machine"].items()]
    lines += ["", "## Predict latency (GRU(50), windows of 10 steps)", ""]
    lines += [
        "| Path | One sequence (ms) | Batch of 800 (ms) | single vs sk_gru |",
        "|---|---|---|---|",
    ]
    for row in results["latency"]:
        ratio = row["single_ms"] / ours["single_ms"]
        lines.append(
            f"| {row['path']} | {row['single_ms']:.3f} | {row['batch800_ms']:.2f} | {ratio:.1f}x |"
        )
    lines += [
        "",
        "## Fit wall time (sum task, GRU(32), batch 32, fixed epochs, build and compile included)",
        "",
    ]
    lines += ["| Library | Median fit (s) | vs sk_gru |", "|---|---|---|"]
    for name, seconds in fits.items():
        lines.append(f"| {name} | {seconds:.2f} | {seconds / fits['sk_gru']:.2f}x |")
    grid = results["grid_search"]
    serial = {row["library"]: row for row in grid["rows"] if row["mode"] == "serial"}
    lines += [
        "",
        f"## Grid search: per-fit cost ({grid['fits']} fits: 2-fold GridSearchCV over "
        "learning rates, GRU(16), 1 epoch, 200 sequences)",
        "",
        "| Library | Run | Wall (s) | Per fit (s) | vs sk_gru serial | Same scores as serial |",
        "|---|---|---|---|---|---|",
    ]
    for row in grid["rows"]:
        ratio = row["s"] / serial["sk_gru"]["s"]
        same = {True: "yes", False: "**no**"}.get(row.get("identical"), "")
        lines.append(
            f"| {row['library']} | {row['mode']} | {row['s']:.1f} | {row['per_fit_s']:.2f} "
            f"| {ratio:.2f}x | {same} |"
        )
    lines += [
        "",
        f"## Memory: RSS growth per fit over the same {grid['fits']} fits "
        "(each library's serial search in a fresh process, after 2 warm-up fits)",
        "",
        "| Library | MB per fit | Peak RSS (MB) |",
        "|---|---|---|",
    ]
    lines += [
        f"| {name} | {row['per_fit_mb']:.2f} | {row['peak_mb']:.0f} |"
        for name, row in serial.items()
    ]
    lines += [
        "",
        "## Cost against sequence length and units (GRURegressor, 128 sequences, batch 32)",
        "",
        "| Steps | Units | Epoch (s) | Fit, 3 epochs (s) | Predict one sequence (ms) |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['steps']} | {row['units']} | {row['epoch_s']:.3f} | "
        f"{row['fit_3_epochs_s']:.2f} | {row['single_ms']:.2f} |"
        for row in results["scaling"]
    ]
    import_s = results["grid_search"]["import_s"]
    lines += [
        "",
        f"`import sk_gru`: {import_s:.2f} s (median over the grid search's fresh processes)."
        if not math.isnan(import_s)
        else "`import sk_gru`: not measured in a --quick run.",
        "",
    ]
    text = results["text_scale"]
    lines += [
        "## Next-word training at scale",
        "",
        f"{text['words']:,} words, {text['pairs']:,} (prefix, next word) pairs, "
        f"vocabulary {text['vocabulary']:,}, {text['classes']:,} classes; "
        "TextSequencer(max_len=10) + GRUClassifier(embedding_dim=32, units=64, batch_size=256).",
        "",
        f"- time per epoch: {text['epoch_s']:.1f} s",
        f"- peak RSS of the benchmark process so far: {text['peak_rss_mb']:.0f} MB "
        f"(one-hot targets alone would take {text['one_hot_targets_mb']:.0f} MB; "
        "sk_gru trains on sparse integer labels)",
        "",
    ]
    lines += [
        "## Quality: sk_gru (defaults, or the example's settings) against hand-written Keras",
        "",
        "Where a range is shown, the value is the median over random states "
        f"0 to {SIZES['quality_seeds'][0] - 1} and the range is (min, max).",
        "",
        "| Task | sk_gru | fit (s) | hand-written Keras | fit (s) | Keras network |",
        "|---|---|---|---|---|---|",
    ]

    def value(row: dict, key: str) -> str:
        if key not in row:
            return ""
        spread = row.get(f"{key}_range" if key != "sk_gru" else "range")
        return f"{row[key]:.4g}" + (f" ({spread[0]:.4g}, {spread[1]:.4g})" if spread else "")

    def seconds(row: dict, key: str) -> str:
        return "" if math.isnan(row.get(key, math.nan)) else f"{row[key]:.1f}"

    for row in results["quality"]:
        lines.append(
            f"| {row['task']} | {value(row, 'sk_gru')} | {seconds(row, 's')} "
            f"| {value(row, 'keras')} | {seconds(row, 'keras_s')} | {row.get('keras_note', '')} |"
        )
    targets = [
        (
            "single-sequence predict <= 1.5 ms",
            ours["single_ms"] <= 1.5,
            f"{ours['single_ms']:.3f} ms",
        ),
        (
            ">= 30x faster than scikeras",
            lat["scikeras predict"]["single_ms"] / ours["single_ms"] >= 30,
            f"{lat['scikeras predict']['single_ms'] / ours['single_ms']:.0f}x",
        ),
        (
            "batch of 800 <= 1.3x the compiled call",
            ours["batch800_ms"] <= 1.3 * lat["compiled tf.function call"]["batch800_ms"],
            f"{ours['batch800_ms'] / lat['compiled tf.function call']['batch800_ms']:.2f}x",
        ),
        (
            "fit within 1.15x of hand-written Keras",
            fits["sk_gru"] <= 1.15 * fits["hand-written Keras"],
            f"{fits['sk_gru'] / fits['hand-written Keras']:.2f}x",
        ),
        (
            "RSS growth <= 2 MB per fit",
            serial["sk_gru"]["per_fit_mb"] <= 2,
            f"{serial['sk_gru']['per_fit_mb']:.2f} MB",
        ),
        (
            "RSS growth <= 1/10 of scikeras",
            serial["sk_gru"]["per_fit_mb"] <= serial["scikeras"]["per_fit_mb"] / 10,
            f"{serial['sk_gru']['per_fit_mb']:.2f} vs {serial['scikeras']['per_fit_mb']:.2f} MB",
        ),
    ]
    if "skorch predict" in lat:
        targets.append(
            (
                "single predict no slower than skorch",
                ours["single_ms"] <= lat["skorch predict"]["single_ms"],
                f"{ours['single_ms']:.3f} vs {lat['skorch predict']['single_ms']:.3f} ms",
            )
        )
    quality = {row["task"]: row for row in results["quality"]}
    if "airline, 36-month MAPE" in quality:
        sum_task = quality["sum > 10, test accuracy"]
        sine = quality["sine, one-step test MSE"]
        rmse = quality["sine, 50-step recursive RMSE"]
        airline = quality["airline, 36-month MAPE"]
        targets += [
            (
                "sum task: accuracy >= 0.98 with defaults",
                sum_task["sk_gru"] >= 0.98,
                f"{sum_task['sk_gru']:.3f}",
            ),
            ("sum task: fit <= 15 s", sum_task["s"] <= 15, f"{sum_task['s']:.1f} s"),
            ("sine: one-step MSE <= 1e-4", sine["sk_gru"] <= 1e-4, f"{sine['sk_gru']:.1e}"),
            ("sine: fit <= 20 s", sine["s"] <= 20, f"{sine['s']:.1f} s"),
            ("sine: 50-step RMSE <= 0.05", rmse["sk_gru"] <= 0.05, f"{rmse['sk_gru']:.4f}"),
            ("airline: MAPE <= 0.08", airline["sk_gru"] <= 0.08, f"{airline['sk_gru']:.3f}"),
        ]
        compared = [row for row in results["quality"] if "keras" in row]
        targets.append(
            (
                "quality >= hand-written Keras on every task",
                all(
                    row["sk_gru"] >= row["keras"]
                    if "accuracy" in row["task"]
                    else row["sk_gru"] <= row["keras"]
                    for row in compared
                ),
                ", ".join(f"{row['sk_gru']:.3g} vs {row['keras']:.3g}" for row in compared),
            )
        )
    lines += ["", "## Targets", "", "| Target | Met | Measured |", "|---|---|---|"]
    lines += [
        f"| {name} | {'met' if ok else '**missed**'} | {value} |" for name, ok, value in targets
    ]
    lines += ["", "![latency](predict_latency.png)", ""]
    return "\n".join(lines)


def main(quick: bool = False, output_dir: Path | None = None, parallel: bool = False) -> dict:
    output_dir = Path(output_dir or HERE)
    output_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    results = {"date": time.strftime("%Y-%m-%d %H:%M"), "machine": machine()}
    steps = {
        "latency": latency,
        "fit": fit_time,
        "grid_search": lambda quick: grid_search(quick, parallel and not quick),
        "scaling": scaling,
        "text_scale": text_scale,
        "quality": lambda quick: quality(quick, output_dir),
    }
    for name, step in steps.items():
        print(f"running {name} ...", flush=True)
        step_started = time.perf_counter()
        results[name] = step(quick)
        print(f"  {time.perf_counter() - step_started:.0f} s", flush=True)
    results["total_s"] = time.perf_counter() - started
    plot(results["latency"], output_dir)
    text = report(results)
    (output_dir / "RESULTS.md").write_text(text)
    (output_dir / "results.json").write_text(json.dumps(results, indent=1, default=str))
    print(text)
    return results


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument("--output", type=Path, default=None)
    parser.add_argument(
        "--parallel",
        action="store_true",
        help="also run sk_gru's grid search on two loky workers and on a Dask LocalCluster",
    )
    args = parser.parse_args()
    main(args.quick, args.output, args.parallel)
