"""data_format: aeon's and sktime's (n_cases, n_channels, n_timepoints), said or warned about."""

import warnings

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sk_gru import GRUClassifier, GRURegressor, SequenceWindower

FAST = {"units": 4, "epochs": 2, "random_state": 0}


def _channels_last(n=40, steps=12, channels=2):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, steps, channels))
    return X, (X[:, :, 0].sum(axis=1) > 0).astype(int)


@pytest.mark.parametrize("Estimator", [GRUClassifier, GRURegressor])
def test_channels_first_trains_the_network_channels_last_trains(Estimator):
    X, y = _channels_last()
    last = Estimator(**FAST, data_format="channels_last").fit(X, y)
    first = Estimator(**FAST, data_format="channels_first").fit(X.transpose(0, 2, 1), y)
    assert first.input_shape_ == last.input_shape_ == (12, 2)
    np.testing.assert_array_equal(first.predict(X.transpose(0, 2, 1)), last.predict(X))


def test_channels_first_checks_the_shape_it_was_fitted_on():
    X, y = _channels_last()
    clf = GRUClassifier(**FAST, data_format="channels_first").fit(X.transpose(0, 2, 1), y)
    with pytest.raises(ValueError, match="X has 12 features, but GRUClassifier is expecting 2"):
        clf.predict(X)  # the channels-last array, read as 12 channels of 2 steps


def test_aeons_layout_passed_as_is_is_warned_about():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 1, 150))  # one channel of 150 steps, aeon's layout
    y = np.tile([0, 1], 15)
    with pytest.warns(UserWarning, match="data_format='channels_first'"):
        GRUClassifier(**FAST).fit(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GRUClassifier(**FAST, data_format="channels_last").fit(X, y)
        clf = GRUClassifier(**FAST, data_format="channels_first").fit(X, y)
    assert clf.input_shape_ == (150, 1)


def test_no_warning_on_two_dimensional_x_or_on_sequence_windows():
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(60, 10))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        GRURegressor(**FAST).fit(rng.normal(size=(30, 150)), rng.normal(size=30))
        # Windows of one step over ten features: a shape that warns when passed as is.
        model = make_pipeline(SequenceWindower(window=1), GRURegressor(**FAST))
        model.fit(rows, rows[:, 0])
    with pytest.warns(UserWarning, match="1 time step"):
        GRURegressor(**FAST).fit(rows[:, None, :], rows[:, 0])


def test_sequence_windows_index_and_print_as_plain_arrays():
    windows = SequenceWindower(window=3).fit_transform(np.arange(8.0).reshape(4, 2))
    assert type(windows[1]) is np.ndarray
    assert repr(windows).startswith("array(")
