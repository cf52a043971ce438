"""GRURegressor behaviour: target scaling, multi-output and units of predictions."""

import numpy as np
import pytest
from sklearn.metrics import r2_score
from sklearn.preprocessing import scale
from sklearn.utils.estimator_checks import _regression_dataset

from sk_gru import GRURegressor

FAST = {"units": 8, "epochs": 30, "learning_rate": 0.01, "random_state": 0}


def test_predictions_are_in_the_units_of_y(regression_data):
    X, y = regression_data
    reg = GRURegressor(**FAST).fit(X, y)
    prediction = reg.predict(X)
    assert prediction.shape == y.shape
    assert abs(prediction.mean() - y.mean()) < 0.2 * y.std()
    assert r2_score(y, prediction) > 0.8


def test_targets_are_trained_standardised(regression_data):
    X, y = regression_data
    reg = GRURegressor(**{**FAST, "epochs": 1}).fit(X, y)
    encoded = reg.target_encoder_.transform(y)
    np.testing.assert_allclose(encoded.mean(), 0.0, atol=1e-5)
    np.testing.assert_allclose(encoded.std(), 1.0, atol=1e-5)


def test_scale_target_false_trains_on_raw_targets(regression_data):
    X, y = regression_data  # targets around 100
    reg = GRURegressor(**{**FAST, "epochs": 1}, scale_target=False).fit(X, y)
    np.testing.assert_array_equal(reg.target_encoder_.mean_, 0.0)
    np.testing.assert_array_equal(reg.target_encoder_.scale_, 1.0)
    # The network starts near 0, so its squared error is on y's scale, not about 1.
    assert reg.history_["loss"][0] > 0.5 * np.mean(y**2)
    # Predictions are the network's outputs as they are: nothing is scaled back
    # (predict runs through XLA, model_ through Keras: float32 rounding apart).
    outputs = reg.model_(X[..., np.newaxis].astype(np.float32)).numpy().ravel()
    np.testing.assert_allclose(reg.predict(X), outputs, rtol=1e-5, atol=1e-6)


def test_multi_output_targets_give_two_dimensional_predictions(regression_data):
    X, y = regression_data
    Y = np.column_stack([y, -2 * y + 50])
    reg = GRURegressor(**FAST).fit(X, Y)
    prediction = reg.predict(X)
    assert prediction.shape == (len(X), 2)
    assert r2_score(Y, prediction) > 0.8


def test_column_vector_target_keeps_its_shape(regression_data):
    X, y = regression_data
    reg = GRURegressor(**{**FAST, "epochs": 1}).fit(X, y[:, None])
    assert reg.predict(X).shape == (len(X), 1)


@pytest.mark.slow
def test_reaches_r2_above_half_on_sklearns_regression_check_data():
    # The estimator check's instance trains 10 epochs without early stopping; this is
    # the same instance and data with enough epochs. (With early stopping, 20 held-out
    # rows are too few: at this learning rate it stops after 11 to 40 epochs.)
    X, y = _regression_dataset()
    y = scale(y)
    reg = GRURegressor(
        units=8, epochs=40, learning_rate=0.03, early_stopping=False, random_state=0
    ).fit(X, y)
    assert reg.score(X, y) > 0.5
