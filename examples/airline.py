"""
Forecast airline passengers 36 months ahead with GRUs.
======================================================

The monthly series (1949-1960, shipped as ``sk_gru.datasets.load_airline``) grows
every year, so a model trained on levels would be asked for values it never saw.
We forecast the change from last month of the year-on-year change of the log
(``difference=(1, 12)``, the transform of Box and Jenkins' "airline" model), and
``recursive_forecast`` turns the forecasts back into passengers. The last 36
months are held out; MAPE is reported next to the seasonal naive forecast (this
year's month repeated), computed here on the same split.

One default GRURegressor does it. It trains on the 83 of 94 pairs whose window
holds a year of history, leaving out the first ones, which start before the
series, and its cross-validated members give a MAPE of 0.043 to 0.064 over
``random_state`` 0 to 4 (median 0.051; ``python -m benchmarks --only quality``,
2026-12-05). With ``difference=12`` alone, a linear
autoregression reverts to the training years' mean growth and scores 0.13 to
0.145, no better than seasonal naive; the second difference lets it reach 0.04.

Run: python examples/airline.py
"""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
from _common import plt, save_figure
from sklearn.pipeline import make_pipeline

from sk_gru import GRURegressor, SequenceWindower, forecast_pairs, recursive_forecast
from sk_gru.datasets import load_airline


def main(test_months: int = 36, epochs="auto", random_state: int = 0, output_dir=None) -> dict:
    passengers = load_airline()
    train, test = passengers.iloc[:-test_months], passengers.iloc[-test_months:]
    log_train = np.log(train)

    X, y = forecast_pairs(log_train, difference=(1, 12))
    model = make_pipeline(
        SequenceWindower(window=12), GRURegressor(epochs=epochs, random_state=random_state)
    )
    start = time.perf_counter()
    model.fit(X, y)
    fit_seconds = time.perf_counter() - start

    log_forecast = recursive_forecast(model, log_train, steps=test_months, difference=(1, 12))
    forecast = np.exp(log_forecast)
    mape = float(np.mean(np.abs(forecast.to_numpy() - test.to_numpy()) / test.to_numpy()))
    naive = train.iloc[-12:].to_numpy()
    seasonal_naive = float(np.mean(np.abs(np.resize(naive, test_months) - test) / test))
    print(f"GRURegressor on log differences: MAPE {mape:.3f} (fit {fit_seconds:.1f} s)")
    print(f"Seasonal naive, computed here:   MAPE {seasonal_naive:.3f}")

    fig, ax = plt.subplots(figsize=(8, 3.5))
    ax.plot(passengers.index, passengers, color="black", lw=1, label="observed")
    ax.plot(
        pd.DatetimeIndex(forecast.index), forecast, lw=2, label=f"GRU forecast (MAPE {mape:.3f})"
    )
    ax.axvline(test.index[0], color="grey", lw=0.8)
    ax.set_ylabel("passengers (thousands)")
    ax.legend(loc="upper left")
    save_figure(fig, "airline_forecast", output_dir)
    return {"mape": mape, "seasonal_naive_mape": seasonal_naive, "fit_seconds": fit_seconds}


if __name__ == "__main__":
    main()
