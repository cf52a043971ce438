"""
Recipe: conformal prediction intervals on a forecast
====================================================

MAPIE's ``SplitConformalRegressor`` turns any scikit-learn regressor into one that
predicts intervals: it fits the regressor, measures its absolute errors on a
calibration split it has not seen, and widens every point forecast by the
quantile of those errors that gives the asked coverage. The intervals cover the
truth at that rate whatever the regressor, as long as the calibration and test
errors are alike; on a stationary series, as here, they are.

The series is a sine wave with Gaussian noise (standard deviation 0.3), cut into
windows of 20 steps that forecast the next value. It is split in time order: the
first 60 % to train a ``GRURegressor``, the next 20 % to calibrate, the last 20 %
to test. Noise alone makes the best possible 90 % interval 0.99 wide
(2 × 1.645 × 0.3).

Run: python examples/conformal_intervals.py
"""

from __future__ import annotations

import numpy as np
from _common import plt, save_figure
from mapie.metrics.regression import regression_coverage_score, regression_mean_width_score
from mapie.regression import SplitConformalRegressor

from sk_gru import GRURegressor


def main(
    n_points: int = 3000,
    window: int = 20,
    confidence: float = 0.9,
    epochs="auto",
    output_dir=None,
) -> dict:
    rng = np.random.default_rng(0)
    steps = np.arange(n_points)
    series = np.sin(2 * np.pi * steps / 50) + 0.3 * rng.standard_normal(n_points)
    X = np.lib.stride_tricks.sliding_window_view(series[:-1], window)
    y = series[window:]
    train, calibrate = int(0.6 * len(y)), int(0.8 * len(y))

    conformal = SplitConformalRegressor(
        GRURegressor(epochs=epochs, random_state=0), confidence_level=confidence, prefit=False
    )
    conformal.fit(X[:train], y[:train])
    conformal.conformalize(X[train:calibrate], y[train:calibrate])
    forecast, intervals = conformal.predict_interval(X[calibrate:])
    truth = y[calibrate:]
    coverage = float(regression_coverage_score(truth, intervals)[0])
    width = float(regression_mean_width_score(intervals)[0])
    print(f"{confidence:.0%} intervals on {len(truth)} test steps:")
    print(f"  coverage {coverage:.3f}, mean width {width:.3f} (noise alone: 0.987)")

    shown = slice(0, 150)
    time = steps[window:][calibrate:][shown]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.fill_between(
        time,
        intervals[shown, 0, 0],
        intervals[shown, 1, 0],
        alpha=0.3,
        label=f"{confidence:.0%} interval (coverage {coverage:.2f})",
    )
    ax.plot(time, truth[shown], ".", color="black", ms=3, label="observed")
    ax.plot(time, forecast[shown], lw=1.5, label="GRU forecast")
    ax.set_xlabel("step")
    ax.legend(loc="upper right", fontsize=8)
    save_figure(fig, "conformal_intervals", output_dir)
    unconditional = float(
        np.subtract(*np.quantile(truth, [(1 + confidence) / 2, (1 - confidence) / 2]))
    )
    return {
        "coverage": coverage,
        "width": width,
        "unconditional_width": unconditional,
        "n_test": len(truth),
    }


if __name__ == "__main__":
    main()
