"""Forecasting in a Pipeline: history windows, supervised pairs and recursive forecasts."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import (
    _check_feature_names_in,
    check_array,
    check_is_fitted,
    validate_data,
)

from ._network import PAD_VALUE

__all__ = ["PAD_VALUE", "SequenceWindower", "forecast_pairs", "recursive_forecast"]


class Windows(np.ndarray):
    """An array of windows, (n_samples, window, n_features), as SequenceWindower makes.

    The GRU estimators never ask such an array for its layout (``data_format``),
    and train on those of its windows that start within the series. Indexing it
    and its repr give plain arrays.
    """

    def __getitem__(self, key):
        return np.asarray(self)[key]

    def __repr__(self) -> str:
        return repr(np.asarray(self))


class SequenceWindower(TransformerMixin, BaseEstimator):
    """Turn rows in time order into windows of their recent history.

    Row ``t`` of the output holds input rows ``t - window + 1`` to ``t``. Positions
    before the first row are filled with :data:`sk_gru.PAD_VALUE`, which
    ``GRUClassifier`` and ``GRURegressor`` mask by default. So the number of rows
    is kept, ``y`` stays aligned, and ``window`` can be grid-searched. Those
    estimators leave the first ``window - 1`` rows, whose windows start before
    the series, out of training when any window is complete: no forecast reads so
    short a history.

    Parameters
    ----------
    window : int, default=10
        Number of time steps in each window, the current row included.

    Attributes
    ----------
    n_features_in_ : int
        Number of input features (columns) per time step.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names, when the input is a DataFrame with string column names.

    See Also
    --------
    forecast_pairs : Aligned ``(X, y)`` for next-value forecasting.
    recursive_forecast : Forecast several steps by feeding predictions back.

    Notes
    -----
    Each call to ``transform`` starts from no history: the first rows of a test
    fold are padded rather than filled from the training fold, so no information
    crosses the split.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_gru import SequenceWindower
    >>> windows = SequenceWindower(window=3).fit_transform(np.arange(4.0).reshape(-1, 1))
    >>> windows.shape
    (4, 3, 1)
    >>> windows[3, :, 0]
    array([1., 2., 3.])
    """

    _parameter_constraints: dict = {"window": [Interval(Integral, 1, None, closed="left")]}

    def __init__(self, window: int = 10):
        self.window = window

    def fit(self, X, y=None) -> SequenceWindower:
        """Learn the number of features, which ``transform`` checks.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,)
            Rows in time order.
        y : None
            Ignored.

        Returns
        -------
        self : SequenceWindower
        """
        self._validate_params()
        self._check(X, reset=True)
        return self

    def transform(self, X) -> np.ndarray:
        """Window the rows of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features) or (n_samples,)
            Rows in time order.

        Returns
        -------
        ndarray of shape (n_samples, window, n_features)
        """
        check_is_fitted(self)
        X = self._check(X, reset=False)
        padded = np.concatenate(
            [np.full((self.window - 1, X.shape[1]), PAD_VALUE, dtype=X.dtype), X]
        )
        windows = np.lib.stride_tricks.sliding_window_view(padded, self.window, axis=0)
        return np.ascontiguousarray(windows.transpose(0, 2, 1)).view(Windows)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names ``<feature>_lag<k>`` for each step of the window, oldest first.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; ``feature_names_in_`` or ``x0, x1, ...`` if None.
            When ``feature_names_in_`` is set, they must equal it.

        Returns
        -------
        ndarray of str of shape (window * `n_features_in_`,)
            Names in the order of ``transform(X).reshape(n_samples, -1)``.
        """
        check_is_fitted(self)
        # Checks given names against feature_names_in_ too, as scikit-learn's own do.
        input_features = _check_feature_names_in(self, input_features)
        return np.asarray(
            [
                f"{name}_lag{lag}"
                for lag in range(self.window - 1, -1, -1)
                for name in input_features
            ],
            dtype=object,
        )

    def _check(self, X, reset: bool) -> np.ndarray:
        if isinstance(X, pd.Series):  # one feature, named after the series
            X = X.to_frame()
        elif not hasattr(X, "columns"):  # frames go whole to validate_data, names and all
            # Lists and objects that only implement __array__ have no ndim, and numpy
            # functions such as np.ndim need not work on them: make an array first.
            X = check_array(
                X,
                ensure_2d=False,
                allow_nd=True,
                dtype=[np.float64, np.float32],
                estimator=self,
                input_name="X",
            )
            if X.ndim == 1:  # a 1-D series is one feature
                if not reset and self.n_features_in_ != 1:
                    raise ValueError(
                        f"SequenceWindower was fitted on {self.n_features_in_} features and "
                        "reads 1-D input as one feature over time. Reshape your data: "
                        "use array.reshape(1, -1) for a single row of features."
                    )
                X = X.reshape(-1, 1)
            elif X.ndim > 2:
                raise ValueError(
                    f"SequenceWindower expects rows of shape (n_samples, n_features); got "
                    f"an array with {X.ndim} dimensions. Window a time series, not windows."
                )
        return validate_data(self, X, reset=reset, dtype=[np.float64, np.float32])

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags


@validate_params(
    {
        "series": ["array-like"],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "difference": [Interval(Integral, 0, None, closed="left"), tuple, list],
    },
    prefer_skip_nested_validation=True,
)
def forecast_pairs(series, horizon: int = 1, *, difference: int | tuple[int, ...] = 0):
    """Aligned ``(X, y)`` for forecasting the next ``horizon`` values.

    Row ``t`` of ``X`` is the observation at time ``t`` and ``y[t]`` holds the
    values at ``t + 1, ..., t + horizon``. Rows without a full future are dropped.
    Put a :class:`SequenceWindower` in the Pipeline to give each row its history.

    Parameters
    ----------
    series : array-like of shape (n_samples,) or (n_samples, n_features)
        Observations in time order; a numpy array, pandas Series or DataFrame.
        With several columns, ``y`` is taken from the first.
    horizon : int, default=1
        Number of future values in ``y``.
    difference : int or tuple of int, default=0
        If positive, pair up the differences ``series[t] - series[t - difference]``
        instead of the levels: 1 removes a trend, 12 a yearly pattern in monthly
        data. A tuple differences once per lag, in turn: ``(1, 12)`` is the change
        from last month of the year-on-year change, the transform of the classic
        "airline" model of Box and Jenkins. Take logs first for growth in percent.
        ``recursive_forecast`` with the same ``difference`` turns forecasts back
        into levels.

    Returns
    -------
    X : ndarray or DataFrame of shape (n_samples - horizon, n_features)
        Observations, as a DataFrame for pandas input (index kept).
    y : ndarray or Series of shape (n_samples - horizon,) or \
            ndarray or DataFrame of shape (n_samples - horizon, horizon)
        The next value (1-D) when ``horizon`` is 1, else the next ``horizon`` values.

    Examples
    --------
    >>> from sk_gru import forecast_pairs
    >>> X, y = forecast_pairs([1.0, 2.0, 3.0, 4.0])
    >>> X.ravel().tolist(), y.tolist()
    ([1.0, 2.0, 3.0], [2.0, 3.0, 4.0])
    """
    frame = series if isinstance(series, pd.DataFrame) else None
    if isinstance(series, pd.Series):
        frame = series.to_frame()
    values = np.asarray(series if frame is None else frame.to_numpy(), dtype=float)
    values = values.reshape(len(values), -1)
    if not np.isfinite(values).all():
        raise ValueError("forecast_pairs: the series contains NaN or infinity.")
    lags = _lags(difference)
    if lags:
        if len(values) <= sum(lags):
            raise ValueError(
                f"forecast_pairs needs more than {sum(lags)} observations to difference "
                f"with difference={difference}; got {len(values)}."
            )
        for lag in lags:
            values = values[lag:] - values[:-lag]
        if frame is not None:
            index = frame.index[sum(lags) :]
            frame = pd.DataFrame(values, index=index, columns=frame.columns)
    n_rows = len(values) - horizon
    if n_rows < 1:
        raise ValueError(
            f"forecast_pairs needs more than horizon={horizon} observations; got {len(values)}."
        )
    targets = np.column_stack([values[k : k + n_rows, 0] for k in range(1, horizon + 1)])
    if frame is None:
        return values[:n_rows], targets[:, 0] if horizon == 1 else targets
    index = frame.index[:n_rows]
    X = frame.iloc[:n_rows]
    name = frame.columns[0]
    if horizon == 1:
        return X, pd.Series(targets[:, 0], index=index, name=f"{name}_next")
    columns = [f"{name}_t+{k}" for k in range(1, horizon + 1)]
    return X, pd.DataFrame(targets, index=index, columns=columns)


@validate_params(
    {
        "history": ["array-like"],
        "steps": [Interval(Integral, 1, None, closed="left")],
        "difference": [Interval(Integral, 0, None, closed="left"), tuple, list],
    },
    prefer_skip_nested_validation=True,
)
def recursive_forecast(estimator, history, steps: int, *, difference: int | tuple[int, ...] = 0):
    """Forecast ``steps`` values ahead, feeding each prediction back as input.

    Works with any fitted estimator or Pipeline that maps the rows of a univariate
    series (with its ``SequenceWindower``) to the next value, such as one trained
    on :func:`forecast_pairs`. Only the last ``window`` observations are used.

    Parameters
    ----------
    estimator : fitted estimator or Pipeline
        Maps rows of shape (n, 1) to next values.
    history : array-like of shape (n_samples,)
        Observed values, most recent last; a pandas Series keeps its index.
    steps : int
        Number of values to forecast.
    difference : int or tuple of int, default=0
        The ``difference`` the estimator was trained with in :func:`forecast_pairs`:
        the history is differenced the same way and the forecast differences are
        added back, so the forecasts are levels.

    Returns
    -------
    ndarray of shape (steps,) or Series
        Forecasts. With a Series whose index has a frequency (a DatetimeIndex, say),
        a Series whose index continues it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sk_gru import forecast_pairs, recursive_forecast
    >>> series = np.arange(20.0)
    >>> model = LinearRegression().fit(*forecast_pairs(series))
    >>> np.round(recursive_forecast(model, series, steps=3), 6).tolist()
    [20.0, 21.0, 22.0]
    """
    values = np.asarray(history, dtype=float)
    if values.ndim != 1 and not (values.ndim == 2 and values.shape[1] == 1):
        raise ValueError(
            f"recursive_forecast expects a univariate history; got shape {values.shape}."
        )
    values = values.ravel()
    if not np.isfinite(values).all():
        raise ValueError("recursive_forecast: the history contains NaN or infinity.")
    lags = _lags(difference)
    needed = _history_needed(estimator) + sum(lags)
    if len(values) < needed:
        raise ValueError(
            f"recursive_forecast needs at least {needed} observations of history (the "
            f"window of the estimator plus the lags of difference); got {len(values)}."
        )
    # stages[0] holds levels, stages[k] the series differenced by lags[:k].
    stages = [list(values[-needed:])]
    for lag in lags:
        previous = stages[-1]
        stages.append([previous[i] - previous[i - lag] for i in range(lag, len(previous))])
    buffer = stages[-1][:]
    # Match how the estimator was fitted, so scikit-learn sees the same feature names.
    names = getattr(estimator, "feature_names_in_", None)
    forecasts = []
    for _ in range(steps):
        rows = np.asarray(buffer).reshape(-1, 1)
        rows = rows if names is None else pd.DataFrame(rows, columns=names)
        prediction = float(np.ravel(estimator.predict(rows))[-1])
        buffer = buffer[1:] + [prediction]
        for stage in range(len(lags), 0, -1):  # undo each difference, last first
            stages[stage].append(prediction)
            prediction = stages[stage - 1][-lags[stage - 1]] + prediction
        stages[0].append(prediction)
        forecasts.append(prediction)
    forecasts = np.asarray(forecasts)
    if isinstance(history, pd.Series):
        index = _continue_index(history.index, steps)
        if index is not None:
            return pd.Series(forecasts, index=index, name=history.name)
    return forecasts


def _lags(difference) -> tuple[int, ...]:
    """The lags of ``difference``: () for 0, (d,) for an int d, the tuple's lags."""
    if isinstance(difference, Integral):
        return (int(difference),) if difference else ()
    lags = tuple(difference)
    if not lags or not all(isinstance(lag, Integral) and lag >= 1 for lag in lags):
        raise ValueError(
            f"difference must be a non-negative int or a non-empty tuple of positive "
            f"ints; got {difference!r}."
        )
    return tuple(int(lag) for lag in lags)


def _history_needed(estimator) -> int:
    """The window length of the SequenceWindower inside ``estimator`` (1 if none)."""
    steps = getattr(estimator, "steps", None)
    parts = [step for _, step in steps] if steps is not None else [estimator]
    windows = [part.window for part in parts if isinstance(part, SequenceWindower)]
    return max(windows, default=1)


def _continue_index(index: pd.Index, steps: int) -> pd.Index | None:
    if isinstance(index, pd.DatetimeIndex | pd.PeriodIndex):
        freq = index.freq or pd.infer_freq(index) if len(index) >= 3 else index.freq
        if freq is None:
            return None
        return (
            pd.period_range(index[-1], periods=steps + 1, freq=freq)[1:]
            if isinstance(index, pd.PeriodIndex)
            else pd.date_range(index[-1], periods=steps + 1, freq=freq)[1:]
        )
    if isinstance(index, pd.RangeIndex):
        return pd.RangeIndex(index.stop, index.stop + steps * index.step, index.step)
    return None
