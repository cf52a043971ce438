"""Quality on the seed tasks: sk_gru next to hand-written Keras, each row labelled with
exactly what each side ran.

The two sides do not share a network or a number of epochs: sk_gru runs with its
defaults (or an example script's settings), the hand-written Keras peer with the
seed scripts' fixed settings. Scores are medians over random states 0 to 2 where a
range is shown.
"""

from __future__ import annotations

import statistics
import sys
from pathlib import Path

import numpy as np

from benchmarks import peers, references
from benchmarks.common import HERE, ROOT, load_series_csv, section_main, size, sum_data, timed

SIZES = {"seeds": (3, 1), "n_train": (800, 64)}
QUICK_EPOCHS = 2  # --quick caps every fit at this many epochs


def _over_seeds(run, seeds: int) -> dict:
    """Median score, median seconds and (min, max) of ``run(seed)`` over seeds."""
    scores, seconds = [], []
    for seed in range(seeds):
        score, elapsed = timed(lambda seed=seed: run(seed))
        scores.append(float(score))
        seconds.append(elapsed)
    return {
        "value": statistics.median(scores),
        "s": statistics.median(seconds),
        "range": (min(scores), max(scores)),
        "seeds": seeds,
    }


def sk_gru_setting(estimator) -> str:
    """What an sk_gru estimator will run, read from its parameters."""
    p = estimator.get_params()
    training = (
        f"up to {p['epochs']} epochs, early stopping (patience {p['patience']}, "
        f"{p['validation_fraction']:.0%} validation)"
        if p["early_stopping"]
        else f"{p['epochs']} epochs, no early stopping"
    )
    return (
        f"{type(estimator).__name__}: GRU({p['units']}), Adam {p['learning_rate']:g}, "
        f"batch {p['batch_size']}, {training}, {p['learning_rate_schedule']} rate"
    )


def keras_setting(units: int, epochs: int, learning_rate: float = 3e-3) -> str:
    """What the hand-written Keras peer runs."""
    return (
        f"Normalization + GRU({units}) + Dense, Adam {learning_rate:g}, batch 32, "
        f"{epochs} epochs, no early stopping"
    )


def classification_rows(quick: bool) -> list[dict]:
    """The sum task and ItalyPowerDemand: accuracy of both sides over seeds."""
    from sk_gru import GRUClassifier

    seeds = size(SIZES, "seeds", quick)
    overrides = {"epochs": QUICK_EPOCHS} if quick else {}
    keras_epochs = QUICK_EPOCHS if quick else 10
    X, y = sum_data()
    n = size(SIZES, "n_train", quick)
    train_series, y_train = load_series_csv("ItalyPowerDemand", "TRAIN")
    test_series, y_test = load_series_csv("ItalyPowerDemand", "TEST")
    X_train, X_test = np.stack(train_series), np.stack(test_series)
    tasks = {
        "sum > 10, test accuracy": (X[:n], y[:n], X[800:], y[800:], "seed script"),
        "ItalyPowerDemand, test accuracy": (X_train, y_train, X_test, y_test, "ItalyPowerDemand"),
    }
    rows = []
    for task, (Xa, ya, Xb, yb, origin) in tasks.items():
        classes = np.unique(ya)

        def ours(seed, Xa=Xa, ya=ya, Xb=Xb, yb=yb):
            model = GRUClassifier(random_state=seed, **overrides)
            return model.fit(Xa, ya).score(Xb, yb)

        def keras(seed, Xa=Xa, ya=ya, Xb=Xb, yb=yb, classes=classes):
            model = peers.keras_fit(
                Xa,
                (ya == classes[1]).astype(int),
                units=64,
                epochs=keras_epochs,
                batch_size=32,
                classify=True,
                seed=seed,
            )
            positive = model.predict(Xb[:, :, None], verbose=0)[:, 0] > 0.5
            return float(np.mean(np.where(positive, classes[1], classes[0]) == yb))

        rows.append(
            {
                "task": task,
                "sk_gru": _over_seeds(ours, seeds),
                "sk_gru_setting": sk_gru_setting(GRUClassifier(**overrides))
                + (f" (defaults but {overrides})" if overrides else " (defaults)"),
                "keras": _over_seeds(keras, seeds),
                "keras_setting": keras_setting(64, keras_epochs)
                + (" (the seed script's settings)" if origin == "seed script" else ""),
                "published": "" if origin == "seed script" else references.published(origin),
            }
        )
    return rows


def forecasting_rows(output_dir: Path) -> list[dict]:
    """Sine and airline forecasts with the example scripts, next to hand-written Keras."""
    sys.path.insert(0, str(ROOT / "examples"))
    import airline
    import next_word
    import sine_forecasting

    from sk_gru.datasets import load_airline

    sine = sine_forecasting.main(output_dir=output_dir)
    series = sine_forecasting.make_series()
    split = int(0.8 * len(series))
    (one_step, forecast), keras_s = timed(
        lambda: peers.keras_forecast(
            series, n_observed=split + 1, window=10, units=50, epochs=50, steps=50
        )
    )
    sine_keras = "GRU(50), min-max scaled, windows of 10, Adam 0.001, batch 32, 50 epochs"
    truth = series[split + 1 : split + 51]
    rows = [
        {
            "task": "sine, one-step test MSE",
            "sk_gru": {"value": sine["mse"], "s": sine["fit_seconds"]},
            "sk_gru_setting": "examples/sine_forecasting.py's settings",
            "keras": {
                "value": float(np.mean((one_step - series[split + 1 :]) ** 2)),
                "s": keras_s,
            },
            "keras_setting": sine_keras,
        },
        {
            "task": "sine, 50-step recursive RMSE",
            "sk_gru": {"value": sine["rmse"], "s": sine["fit_seconds"]},
            "sk_gru_setting": "the same fit",
            "keras": {"value": float(np.sqrt(np.mean((forecast - truth) ** 2)))},
            "keras_setting": "the same fit",
        },
    ]
    passengers = load_airline().to_numpy()
    train, test = passengers[:-36], passengers[-36:]
    log = np.log(train)

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

    seeds = size(SIZES, "seeds", False)
    seasonal_naive = float(np.mean(np.abs(np.resize(train[-12:], 36) - test) / test))
    rows.append(
        {
            "task": "airline, 36-month MAPE",
            "sk_gru": _over_seeds(
                lambda seed: airline.main(random_state=seed, output_dir=output_dir)["mape"], 5
            ),
            "sk_gru_setting": "the README recipe (examples/airline.py): difference=(1, 12), "
            "windows of 12, one default GRURegressor; random states 0 to 4",
            "keras": _over_seeds(keras_on_airline, seeds),
            "keras_setting": "GRU(50) on year-on-year log differences (difference=12), "
            "windows of 12, Adam 0.001, batch 32, 100 epochs",
            "published": f"seasonal naive {seasonal_naive:.3f} (computed in this run)",
        }
    )
    rows.append(
        {
            "task": "next word, seed sentences accuracy",
            "sk_gru": {"value": next_word.seed_task()},
            "sk_gru_setting": "examples/next_word.py's seed task",
        }
    )
    return rows


def run(quick: bool = False, output_dir: Path | None = None) -> list[dict]:
    """Quality rows; ``--quick`` runs only the two classification tasks, capped epochs.

    Parameters
    ----------
    quick : bool, default=False
        One seed, :data:`QUICK_EPOCHS` epochs, no forecasting tasks.
    output_dir : Path, optional
        Where the examples save their figures (default: ``benchmarks/``).
    """
    rows = classification_rows(quick)
    if not quick:
        rows += forecasting_rows(Path(output_dir or HERE))
    return rows


def report(rows: list[dict]) -> list[str]:
    """The quality table; every row states both sides' settings."""

    def value(cell: dict | None) -> str:
        if not cell:
            return ""
        spread = cell.get("range")
        text = f"{cell['value']:.4g}"
        return text + (f" ({spread[0]:.4g}, {spread[1]:.4g})" if spread else "")

    def seconds(cell: dict | None) -> str:
        return f"{cell['s']:.1f}" if cell and "s" in cell else ""

    seeds = min(row["sk_gru"].get("seeds", 1) for row in rows if "range" in row["sk_gru"])
    lines = [
        "## Quality: sk_gru against hand-written Keras (different settings, as labelled)",
        "",
        "The two sides do not run the same network or epochs: each row says what each "
        f"side ran. Where a range is shown the value is the median over random states "
        f"0 to {seeds - 1} (unless the row says otherwise) and the range is (min, max); "
        "fit times are medians too.",
        "",
        "| Task | sk_gru | fit (s) | sk_gru ran | hand-written Keras | fit (s) | Keras ran "
        "| Published / reference |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        lines.append(
            f"| {row['task']} | {value(row['sk_gru'])} | {seconds(row['sk_gru'])} "
            f"| {row['sk_gru_setting']} | {value(row.get('keras'))} "
            f"| {seconds(row.get('keras'))} | {row.get('keras_setting', '')} "
            f"| {row.get('published', '')} |"
        )
    return lines + [""]


if __name__ == "__main__":
    section_main(run, report)
