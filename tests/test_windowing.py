"""SequenceWindower, forecast_pairs and recursive_forecast."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from sk_gru import (
    PAD_VALUE,
    GRURegressor,
    SequenceWindower,
    forecast_pairs,
    recursive_forecast,
)


def test_row_t_holds_the_window_ending_at_t():
    X = np.arange(12.0).reshape(6, 2)
    windows = SequenceWindower(window=3).fit_transform(X)
    assert windows.shape == (6, 3, 2)
    np.testing.assert_array_equal(windows[4], X[2:5])
    np.testing.assert_array_equal(windows[5, -1], X[5])


def test_positions_before_the_first_row_are_padding():
    windows = SequenceWindower(window=4).fit_transform(np.arange(1.0, 6.0))
    np.testing.assert_array_equal(windows[0, :3, 0], PAD_VALUE)
    assert windows[0, 3, 0] == 1.0
    np.testing.assert_array_equal(windows[1, :2, 0], PAD_VALUE)
    assert not np.any(windows[3:] == PAD_VALUE)


def test_one_dimensional_series_and_pandas_are_one_feature():
    series = pd.Series(np.arange(5.0), name="load")
    windower = SequenceWindower(window=2).fit(series)
    assert windower.transform(series).shape == (5, 2, 1)
    assert list(windower.get_feature_names_out()) == ["load_lag1", "load_lag0"]
    frame = pd.DataFrame({"load": np.arange(5.0), "temp": np.ones(5)})
    names = SequenceWindower(window=2).fit(frame).get_feature_names_out()
    assert list(names) == ["load_lag1", "temp_lag1", "load_lag0", "temp_lag0"]


def test_given_feature_names_must_match_the_fitted_ones():
    frame = pd.DataFrame({"load": np.arange(5.0), "temp": np.ones(5)})
    windower = SequenceWindower(window=2).fit(frame)
    with pytest.raises(ValueError, match="not equal to feature_names_in_"):
        windower.get_feature_names_out(["temp", "load"])
    with pytest.raises(ValueError, match="length equal to number of features"):
        SequenceWindower(window=2).fit(np.ones((5, 2))).get_feature_names_out(["a"])


def test_works_after_scalers_in_a_pipeline():
    X = np.column_stack([np.arange(30.0), np.arange(30.0) ** 2])
    for scaler in (MinMaxScaler(), StandardScaler()):
        windows = make_pipeline(scaler, SequenceWindower(window=5)).fit_transform(X)
        assert windows.shape == (30, 5, 2)
        np.testing.assert_allclose(windows[-1, -1], scaler.transform(X)[-1])


@pytest.mark.parametrize("window", [0, -2, 2.5, "10"])
def test_invalid_window_is_rejected_in_fit(window):
    with pytest.raises((ValueError, TypeError), match="'window' parameter"):
        SequenceWindower(window=window).fit(np.ones((5, 1)))


def test_three_dimensional_input_is_rejected():
    with pytest.raises(ValueError, match="3 dimensions"):
        SequenceWindower().fit(np.ones((5, 3, 1)))


def test_nan_in_the_series_is_rejected():
    with pytest.raises(ValueError, match="NaN"):
        SequenceWindower().fit(np.array([1.0, np.nan, 3.0]))


def test_feature_count_is_checked_at_transform():
    windower = SequenceWindower(window=2).fit(np.ones((5, 2)))
    with pytest.raises(ValueError, match="features"):
        windower.transform(np.ones((5, 3)))


def test_forecast_pairs_aligns_rows_with_the_next_values():
    X, y = forecast_pairs(np.arange(6.0), horizon=2)
    np.testing.assert_array_equal(X.ravel(), [0, 1, 2, 3])
    np.testing.assert_array_equal(y, [[1, 2], [2, 3], [3, 4], [4, 5]])
    X1, y1 = forecast_pairs(np.arange(6.0))
    assert y1.ndim == 1 and len(X1) == 5


def test_forecast_pairs_keeps_the_pandas_index():
    index = pd.date_range("2020-01-01", periods=5, freq="D")
    X, y = forecast_pairs(pd.Series(np.arange(5.0), index=index, name="v"))
    assert isinstance(X, pd.DataFrame) and isinstance(y, pd.Series)
    assert X.index.equals(index[:4]) and y.index.equals(index[:4])
    assert y.iloc[0] == 1.0


def test_forecast_pairs_can_difference_the_series():
    X, y = forecast_pairs(np.array([1.0, 3.0, 6.0, 10.0]), difference=1)
    np.testing.assert_array_equal(X.ravel(), [2.0, 3.0])
    np.testing.assert_array_equal(y, [3.0, 4.0])


def test_forecast_pairs_differences_once_per_lag():
    series = np.arange(7.0) ** 3  # first differences 1, 7, 19, 37, 61, 91
    X, y = forecast_pairs(series, difference=(1, 2))  # then lag 2: 18, 30, 42, 54
    np.testing.assert_array_equal(X.ravel(), [18.0, 30.0, 42.0])
    np.testing.assert_array_equal(y, [30.0, 42.0, 54.0])


@pytest.mark.parametrize("difference", [(1, 0), (), (1.5,), [2, -1]])
def test_forecast_pairs_rejects_bad_lags(difference):
    with pytest.raises(ValueError, match="difference must be"):
        forecast_pairs(np.arange(30.0), difference=difference)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"horizon": 0}, "'horizon' parameter"), ({"horizon": 10}, "more than horizon")],
)
def test_forecast_pairs_rejects_bad_horizons(kwargs, match):
    with pytest.raises(ValueError, match=match):
        forecast_pairs(np.arange(5.0), **kwargs)


def test_recursive_forecast_feeds_predictions_back():
    series = np.arange(20.0)
    model = LinearRegression().fit(*forecast_pairs(series))
    np.testing.assert_allclose(recursive_forecast(model, series, steps=3), [20, 21, 22])


def test_recursive_forecast_undoes_differencing():
    series = np.arange(20.0) ** 2  # differences 1, 3, 5, ... grow by 2
    model = LinearRegression().fit(*forecast_pairs(series, difference=1))
    forecast = recursive_forecast(model, series, steps=2, difference=1)
    np.testing.assert_allclose(forecast, [400.0, 441.0])


def test_recursive_forecast_undoes_seasonal_and_trend_differencing():
    t = np.arange(40.0)
    series = t**2 + np.array([0.0, 3.0, 1.0, -2.0])[np.arange(40) % 4]  # season of 4
    # The lag-4 difference removes the season and leaves 8t - 16; lag 1 leaves 8.
    model = LinearRegression().fit(*forecast_pairs(series[:32], difference=(4, 1)))
    forecast = recursive_forecast(model, series[:32], steps=8, difference=(4, 1))
    np.testing.assert_allclose(forecast, series[32:])


def test_recursive_forecast_continues_a_datetime_index():
    index = pd.date_range("2021-01-01", periods=24, freq="MS")
    series = pd.Series(np.arange(24.0), index=index)
    model = LinearRegression().fit(*forecast_pairs(series))
    forecast = recursive_forecast(model, series, steps=3)
    assert list(forecast.index) == list(pd.date_range("2023-01-01", periods=3, freq="MS"))


def test_recursive_forecast_uses_only_the_window_it_needs():
    calls = []

    class Spy:
        steps = [("w", SequenceWindower(window=4))]

        def predict(self, X):
            calls.append(len(X))
            return np.zeros(len(X))

    recursive_forecast(Spy(), np.arange(50.0), steps=3)
    assert calls == [4, 4, 4]


@pytest.mark.parametrize(
    ("history", "steps", "match"),
    [
        (np.arange(3.0), 2, "at least 4 observations"),
        (np.arange(10.0), 0, "'steps' parameter"),
        (np.array([1.0, np.nan] * 5), 2, "NaN"),
    ],
)
def test_recursive_forecast_rejects_bad_input(history, steps, match):
    model = make_pipeline(SequenceWindower(window=4), LinearRegression())
    with pytest.raises(ValueError, match=match):
        recursive_forecast(model, history, steps=steps)


def _sine_pairs(n=240):
    series = np.sin(np.linspace(0, 24, n))
    return forecast_pairs(series)


def test_padded_rows_get_predictions_that_ignore_the_padding():
    X, y = _sine_pairs()
    model = make_pipeline(
        SequenceWindower(window=6), GRURegressor(units=8, epochs=20, n_members=1, random_state=0)
    ).fit(X, y)
    regressor = model[-1]
    # Padding is masked, not fed as numbers, and is left out of the input statistics.
    assert type(regressor.model_.layers[1]).__name__ == "Masking"
    assert abs(regressor.input_mean_[0] - X.mean()) < 0.05
    windows = model[0].transform(X[:3])
    short_history = regressor.predict(windows[2:3])
    changed = windows[2:3].copy()
    changed[0, :3, 0] = 0.0  # the same three real steps behind zeros instead of padding
    assert not np.allclose(short_history, regressor.predict(changed))
    assert np.isfinite(model.predict(X[:5])).all()


def test_fit_leaves_out_the_windows_that_start_before_the_series():
    X, y = _sine_pairs(80)
    windows = SequenceWindower(window=6).fit_transform(X)
    weights = np.random.default_rng(0).uniform(0.5, 1.5, len(y))
    params = {"units": 4, "epochs": 3, "random_state": 0}
    on_windows = GRURegressor(**params).fit(windows, y, sample_weight=weights)
    complete = np.asarray(windows)[5:]
    on_complete = GRURegressor(**params).fit(complete, y[5:], sample_weight=weights[5:])
    np.testing.assert_allclose(on_windows.predict(complete), on_complete.predict(complete))
    assert on_windows.input_mean_ == pytest.approx(on_complete.input_mean_)
    # Test folds start with padded windows: the network still masks them.
    assert on_windows.masked_ and np.isfinite(on_windows.predict(windows[:5])).all()
    shorter_than_window = SequenceWindower(window=6).fit_transform(X[:4])
    assert GRURegressor(**params).fit(shorter_than_window, y[:4]).n_iter_ == 3


def test_grid_search_over_window_and_units_with_time_series_split():
    X, y = _sine_pairs(160)
    pipe = make_pipeline(SequenceWindower(), GRURegressor(epochs=1, random_state=0))
    grid = {"sequencewindower__window": [3, 6], "gruregressor__units": [4, 8]}
    search = GridSearchCV(pipe, grid, cv=TimeSeriesSplit(n_splits=2), refit=False).fit(X, y)
    assert len(search.cv_results_["params"]) == 4
    assert search.best_params_["sequencewindower__window"] in (3, 6)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
