"""Forecast airline passengers 36 months ahead with a GRU.

The monthly series (1949-1960, shipped as ``sk_gru.datasets.load_airline``) grows
every year, so a model trained on levels would be asked for values it never saw.
We forecast the year-on-year change of the log instead (``difference=12``), and
``recursive_forecast`` turns the forecasts back into passengers. The last 36
months are held out; MAPE is reported next to the seasonal naive forecast (this
year's month repeated), computed here on the same split. The model is the README's
recipe: a windower and a GRURegressor with default parameters.

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

    X, y = forecast_pairs(log_train, difference=12)
    model = make_pipeline(
        SequenceWindower(window=12),
        GRURegressor(epochs=epochs, random_state=random_state),
    )
    start = time.perf_counter()
    model.fit(X, y)
    fit_seconds = time.perf_counter() - start

    log_forecast = recursive_forecast(model, log_train, steps=test_months, difference=12)
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
