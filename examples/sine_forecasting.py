"""
Tasks 3 and 4: forecast a sine wave with a 50-unit GRU from windows of 10 steps.
================================================================================

The series is ``sin(linspace(0, 100, 1000))`` scaled to [0, 1]; the first 80 % is
for training. The Pipeline windows the series itself, so no reshaping loop is
needed, and the network is GRU(50), the univariate forecasting setup of task 3.
It reports the one-step-ahead test MSE and the RMSE of a 50-step recursive
forecast, both on the scaled series.

Run: python examples/sine_forecasting.py
"""

from __future__ import annotations

import time

import numpy as np
from _common import plt, save_figure
from sklearn.pipeline import make_pipeline

from sk_gru import GRURegressor, SequenceWindower, forecast_pairs, recursive_forecast


def make_series(n_points: int = 1000) -> np.ndarray:
    """``sin(linspace(0, 100, n_points))`` scaled to [0, 1]."""
    series = np.sin(np.linspace(0, 100, n_points))
    return (series - series.min()) / (series.max() - series.min())


def main(n_points: int = 1000, horizon: int = 50, epochs: int = 200, output_dir=None) -> dict:
    series = make_series(n_points)
    split = int(0.8 * n_points)

    X, y = forecast_pairs(series)  # row t is the value at t, y[t] the value at t + 1
    model = make_pipeline(
        SequenceWindower(window=10),
        GRURegressor(units=50, learning_rate=1e-2, epochs=epochs, random_state=0),
    )
    start = time.perf_counter()
    model.fit(X[:split], y[:split])
    fit_seconds = time.perf_counter() - start

    # One step ahead on the test part; each row's window reaches back into the
    # observed history, as it would in production.
    one_step = model.predict(X)[split:]
    mse = float(np.mean((one_step - y[split:]) ** 2))

    forecast = recursive_forecast(model, series[: split + 1], steps=horizon)
    truth = series[split + 1 : split + 1 + horizon]
    rmse = float(np.sqrt(np.mean((forecast - truth) ** 2)))
    print(f"one-step test MSE {mse:.2e} (fit {fit_seconds:.1f} s)")
    print(f"{horizon}-step recursive forecast RMSE {rmse:.4f}")

    fig, ax = plt.subplots(figsize=(8, 3.5))
    steps = np.arange(len(series))
    ax.plot(steps[split - 50 :], series[split - 50 :], color="black", lw=1, label="truth")
    ax.plot(steps[split + 1 :], one_step, "--", label=f"one step ahead (MSE {mse:.1e})")
    ax.plot(
        steps[split + 1 : split + 1 + horizon],
        forecast,
        lw=2.5,
        alpha=0.7,
        label=f"{horizon}-step recursive (RMSE {rmse:.3f})",
    )
    ax.axvline(split, color="grey", lw=0.8)
    ax.set_xlabel("time step")
    ax.set_ylabel("scaled value")
    ax.legend(loc="lower left", fontsize=8)
    save_figure(fig, "sine_forecast", output_dir)
    return {"mse": mse, "rmse": rmse, "fit_seconds": fit_seconds}


if __name__ == "__main__":
    main()
