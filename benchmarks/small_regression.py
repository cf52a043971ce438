"""Small-data regression and forecasting: a default GRURegressor against the baselines.

Every figure is a median over random states 0 to 4, each seed shown. The baselines
run on the same inputs in the same run: the training mean, RidgeCV (a linear
autoregression on the same windows, for forecasts), the seasonal naive forecast
where the series is seasonal, and aeon 1.6.0's ``MiniRocketRegressor`` where the
inputs are sequences.

The protocols, fixed once (2026-12-05):

- **Lynx** (aeon 1.6.0's ``load_lynx``, 114 yearly values): log10, the last 14 years
  held out, window 10, a 14-step recursive forecast; RMSE on the log10 scale.
- **ShampooSales** (aeon 1.6.0's ``load_shampoo_sales``, 36 months): the last 12
  months held out, ``difference=1``, window 6, a 12-step recursive forecast; RMSE.
- **airline** (``sk_gru.datasets.load_airline``): as in the README, log,
  ``difference=(1, 12)``, window 12, the last 36 months held out, a 36-step
  recursive forecast; MAPE. One default ``GRURegressor``.
- **Covid3Month** (``benchmarks/data``): its train/test split (140/61 series of 84
  days); RMSE.
- **synthetic**: 300 training and 2,000 test sequences of 20 values drawn uniformly
  from [0, 1); y is their sum plus Gaussian noise of standard deviation 0.5, so the
  best possible RMSE is 0.5. Drawn with numpy seed 0, whatever the model's seed.

Forecasts run the pairs of ``forecast_pairs`` through a ``SequenceWindower`` and
feed predictions back with ``recursive_forecast``. The training mean is then the
naive forecast on the model's scale: the mean of the training targets, which is
no change for differenced series. RidgeCV reads each window as a row of lags; the
first ``window - 1`` rows, whose windows start before the series, are left out of
its training. Errors are on the levels (after undoing the differences).
"""

from __future__ import annotations

import statistics
import warnings

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin

from benchmarks.common import load_series_csv, section_main, timed

SEEDS = (0, 1, 2, 3, 4)
QUICK = {"datasets": ("ShampooSales",), "seeds": (0,), "gru": {"epochs": 3}}

#: Forecasting sets: how each series is read and scored.
FORECASTS = {
    "Lynx": {"log": "log10", "test": 14, "window": 10, "difference": 0, "metric": "RMSE"},
    "ShampooSales": {"log": None, "test": 12, "window": 6, "difference": 1, "metric": "RMSE"},
    "airline": {
        "log": "log",
        "test": 36,
        "window": 12,
        "difference": (1, 12),
        "metric": "MAPE",
        "season": 12,
    },
}
#: Sequence regression sets.
SEQUENCES = ("Covid3Month", "synthetic")
DATASETS = (*FORECASTS, *SEQUENCES)


def load_series(name: str) -> np.ndarray:
    """The values of a forecasting set, oldest first."""
    if name == "airline":
        from sk_gru.datasets import load_airline

        return load_airline().to_numpy(dtype=float)
    from aeon.datasets import load_lynx, load_shampoo_sales

    with warnings.catch_warnings():  # aeon 1.6 deprecates ShampooSales for 1.7
        warnings.simplefilter("ignore", FutureWarning)
        series = (load_lynx if name == "Lynx" else load_shampoo_sales)()
    return np.asarray(series, dtype=float).ravel()


def load_sequences(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``X_train, y_train, X_test, y_test`` of a sequence set, X of shape (n, steps, 1)."""
    if name == "synthetic":
        rng = np.random.default_rng(0)
        X = rng.uniform(size=(2300, 20, 1)).astype(np.float32)
        y = X.sum(axis=(1, 2)) + rng.normal(scale=0.5, size=2300)
        return X[:300], y[:300], X[300:], y[300:]
    train, y_train = load_series_csv(name, "TRAIN")
    test, y_test = load_series_csv(name, "TEST")
    return (
        np.stack(train)[..., None].astype(np.float32),
        y_train.astype(float),
        np.stack(test)[..., None].astype(np.float32),
        y_test.astype(float),
    )


class _Lags(RegressorMixin, BaseEstimator):
    """RidgeCV on windows read as rows of lags, trained on the complete windows only."""

    def __init__(self, window: int = 10):
        self.window = window

    def fit(self, X, y):
        from sklearn.linear_model import RidgeCV

        complete = slice(self.window - 1, None)
        self.ridge_ = RidgeCV().fit(self._rows(X)[complete], np.asarray(y)[complete])
        return self

    def predict(self, X):
        return self.ridge_.predict(self._rows(X))

    def _rows(self, windows):
        from sk_gru import PAD_VALUE

        rows = np.asarray(windows, dtype=float).reshape(len(windows), -1)
        return np.where(rows == PAD_VALUE, 0.0, rows)


def _forecaster(kind: str, window: int, seed: int, gru_params: dict):
    from sklearn.dummy import DummyRegressor
    from sklearn.pipeline import make_pipeline

    from sk_gru import GRURegressor, SequenceWindower

    if kind == "sk_gru":
        model = GRURegressor(random_state=seed, **gru_params)
    elif kind == "mean":
        model = DummyRegressor()
    else:
        model = _Lags(window=window)
    return make_pipeline(SequenceWindower(window=window), model)


def _error(metric: str, truth, predicted) -> float:
    truth, predicted = np.asarray(truth, float), np.asarray(predicted, float)
    if metric == "MAPE":
        return float(np.mean(np.abs(predicted - truth) / np.abs(truth)))
    return float(np.sqrt(np.mean((predicted - truth) ** 2)))


def forecast_errors(name: str, kind: str, seeds, gru_params: dict) -> list[tuple[float, float]]:
    """``(error, fit seconds)`` of one contender per seed on a forecasting set."""
    from sk_gru import forecast_pairs, recursive_forecast

    spec = FORECASTS[name]
    values = load_series(name)
    to_model = {"log": np.log, "log10": np.log10, None: lambda v: v}[spec["log"]]
    from_model = {"log": np.exp, "log10": lambda v: 10**v, None: lambda v: v}[spec["log"]]
    train, test = values[: -spec["test"]], values[-spec["test"] :]
    history = to_model(train)
    truth = test if spec["log"] != "log10" else np.log10(test)  # Lynx: RMSE on log10
    X, y = forecast_pairs(history, difference=spec["difference"])
    runs = []
    for seed in seeds if kind == "sk_gru" else seeds[:1]:
        model = _forecaster(kind, spec["window"], seed, gru_params)
        _, seconds = timed(lambda model=model: model.fit(X, y))
        forecast = recursive_forecast(
            model, history, steps=spec["test"], difference=spec["difference"]
        )
        predicted = forecast if spec["log"] == "log10" else from_model(forecast)
        runs.append((_error(spec["metric"], truth, predicted), seconds))
    if kind == "seasonal_naive":
        season = spec["season"]
        naive = np.resize(train[-season:], spec["test"])
        runs = [(_error(spec["metric"], test, naive), 0.0)]
    return runs


def sequence_errors(name: str, kind: str, seeds, gru_params: dict) -> list[tuple[float, float]]:
    """``(RMSE, fit seconds)`` of one contender per seed on a sequence set."""
    from sklearn.dummy import DummyRegressor
    from sklearn.linear_model import RidgeCV

    from sk_gru import GRURegressor

    X_train, y_train, X_test, y_test = load_sequences(name)
    runs = []
    for seed in seeds if kind in ("sk_gru", "minirocket") else seeds[:1]:
        if kind == "sk_gru":
            model, X_fit, X_eval = GRURegressor(random_state=seed, **gru_params), X_train, X_test
        elif kind == "minirocket":
            from aeon.regression.convolution_based import MiniRocketRegressor

            model = MiniRocketRegressor(random_state=seed)
            X_fit, X_eval = X_train.transpose(0, 2, 1), X_test.transpose(0, 2, 1)
        else:
            model = DummyRegressor() if kind == "mean" else RidgeCV()
            X_fit, X_eval = X_train[..., 0], X_test[..., 0]
        _, seconds = timed(lambda model=model, X_fit=X_fit: model.fit(X_fit, y_train))
        runs.append((_error("RMSE", y_test, model.predict(X_eval)), seconds))
    return runs


def _summary(runs: list[tuple[float, float]]) -> dict:
    errors = [error for error, _ in runs]
    return {
        "value": statistics.median(errors),
        "seeds": errors,
        "fit_s": statistics.median(seconds for _, seconds in runs),
    }


def evaluate(name: str, seeds=SEEDS, gru_params: dict | None = None) -> dict:
    """Every contender on one data set.

    Parameters
    ----------
    name : str
        One of :data:`DATASETS`.
    seeds : sequence of int
        Random states of the seeded contenders (sk_gru, MiniRocket); the
        deterministic baselines run once.
    gru_params : dict, optional
        Keyword arguments of every ``GRURegressor`` (``--quick`` caps epochs).

    Returns
    -------
    dict
        ``dataset``, ``metric`` and one summary per contender: ``value`` (the
        median), ``seeds`` (each seed's error) and ``fit_s`` (median fit seconds).
    """
    gru_params = gru_params or {}
    if name in FORECASTS:
        kinds = ["sk_gru", "mean", "ridge"] + (
            ["seasonal_naive"] if "season" in FORECASTS[name] else []
        )
        errors, metric = forecast_errors, FORECASTS[name]["metric"]
    else:
        kinds, errors, metric = ["sk_gru", "mean", "ridge", "minirocket"], sequence_errors, "RMSE"
    row = {"dataset": name, "metric": metric, "gru_params": gru_params}
    for kind in kinds:
        row[kind] = _summary(errors(name, kind, seeds, gru_params))
    return row


def run(quick: bool = False, gru_params: dict | None = None) -> dict:
    """Every set (``--quick``: ShampooSales, one seed, 3 epochs)."""
    names = QUICK["datasets"] if quick else DATASETS
    seeds = QUICK["seeds"] if quick else SEEDS
    gru_params = {**(QUICK["gru"] if quick else {}), **(gru_params or {})}
    return {"rows": [evaluate(name, seeds, gru_params) for name in names]}


LABELS = {
    "mean": "training mean",
    "ridge": "RidgeCV",
    "seasonal_naive": "seasonal naive",
    "minirocket": "MiniRocket",
}


def report(result: dict) -> list[str]:
    """One table: sk_gru's median and seeds next to each baseline."""
    lines = [
        "## Small-data regression and forecasting",
        "",
        "A default `GRURegressor` against the baselines, on the protocols of "
        "`benchmarks/small_regression.py`. Errors (lower is better): median over random "
        "states 0 to 4, each seed in brackets, and the median fit seconds. RidgeCV, "
        "the training mean and the seasonal naive forecast are deterministic.",
        "",
        "| Data set | Metric | sk_gru defaults (seeds) | fit (s) | worst / median "
        "| training mean | RidgeCV | seasonal naive | MiniRocket (seeds) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in result["rows"]:
        ours = row["sk_gru"]
        seeds = ", ".join(f"{error:.3f}" for error in ours["seeds"])

        def cell(kind, row=row):
            if kind not in row:
                return ""
            summary = row[kind]
            if len(summary["seeds"]) > 1:
                each = ", ".join(f"{error:.3f}" for error in summary["seeds"])
                return f"{summary['value']:.3f} ({each})"
            return f"{summary['value']:.3f}"

        label = row["dataset"] + (f" with {row['gru_params']}" if row["gru_params"] else "")
        lines.append(
            f"| {label} | {row['metric']} | {ours['value']:.3f} ({seeds}) | {ours['fit_s']:.1f} "
            f"| {max(ours['seeds']) / ours['value']:.2f} | {cell('mean')} | {cell('ridge')} "
            f"| {cell('seasonal_naive')} | {cell('minirocket')} |"
        )
    return lines + [""]


if __name__ == "__main__":
    section_main(run, report)
