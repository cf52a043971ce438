"""Mistakes in the user's data or parameters get scikit-learn style errors."""

import traceback

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from sk_gru import GRUClassifier, GRURegressor

FAST = {"units": 4, "epochs": 1, "random_state": 0}


def _raised_without_tensorflow(excinfo) -> bool:
    frames = traceback.extract_tb(excinfo.tb)
    return not any("tensorflow" in f.filename or "/keras/" in f.filename for f in frames)


@pytest.fixture
def fitted(sum_data):
    X, y = sum_data
    return GRUClassifier(**FAST).fit(X, y)


@pytest.mark.parametrize(
    ("where", "value", "match"),
    [("X", np.nan, "NaN"), ("X", np.inf, "infinity"), ("y", np.nan, "NaN")],
)
def test_non_finite_values_are_rejected(regression_data, where, value, match):
    X, y = (a.copy() for a in regression_data)
    (X if where == "X" else y)[3] = value
    with pytest.raises(ValueError, match=match) as excinfo:
        GRURegressor(**FAST).fit(X, y)
    assert _raised_without_tensorflow(excinfo)


def test_one_dimensional_X_is_rejected(sum_data):
    X, y = sum_data
    with pytest.raises(ValueError, match="Expected 2D array"):
        GRUClassifier(**FAST).fit(X[:, 0], y)


def test_four_dimensional_X_is_rejected(sum_data):
    X, y = sum_data
    with pytest.raises(ValueError, match="got an array with 4 dimensions"):
        GRUClassifier(**FAST).fit(X.reshape(len(X), 5, 2, 2), y)


def test_empty_X_is_rejected():
    with pytest.raises(ValueError, match="0 sample"):
        GRUClassifier(**FAST).fit(np.empty((0, 5)), np.empty(0))


def test_X_and_y_of_different_lengths_are_rejected(sum_data):
    X, y = sum_data
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        GRUClassifier(**FAST).fit(X, y[:-1])


def test_single_class_is_rejected(sum_data):
    X, _ = sum_data
    with pytest.raises(ValueError, match="only one class"):
        GRUClassifier(**FAST).fit(X, np.ones(len(X)))


def test_label_smoothing_with_a_loss_of_ones_own_is_rejected(sum_data):
    X, y = sum_data
    with pytest.raises(ValueError, match="set the smoothing on that loss"):
        GRUClassifier(loss="binary_crossentropy", label_smoothing=0.1, **FAST).fit(X, y)


def test_continuous_labels_are_rejected_by_the_classifier(sum_data):
    X, _ = sum_data
    with pytest.raises(ValueError, match="Unknown label type"):
        GRUClassifier(**FAST).fit(X, X[:, 0])


def test_wrong_number_of_timesteps_at_predict_is_rejected(fitted, sum_data):
    X, _ = sum_data
    with pytest.raises(ValueError, match="features") as excinfo:
        fitted.predict(X[:, :5])
    assert _raised_without_tensorflow(excinfo)


def test_wrong_number_of_features_per_step_is_rejected(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**FAST).fit(X.reshape(len(X), 10, 2), y)
    with pytest.raises(ValueError, match=r"shape \(10, 2\)"):
        clf.predict(X.reshape(len(X), 10, 2)[:, :, :1])


@pytest.mark.parametrize("method", ["predict", "predict_proba"])
def test_predicting_before_fit_raises_not_fitted(sum_data, method):
    X, _ = sum_data
    with pytest.raises(NotFittedError):
        getattr(GRUClassifier(), method)(X)


@pytest.mark.parametrize("name", ["units", "epochs", "batch_size"])
@pytest.mark.parametrize("value", [0, -3])
def test_non_positive_sizes_are_rejected_in_fit(sum_data, name, value):
    X, y = sum_data
    clf = GRUClassifier(**{**FAST, name: value})  # the constructor only stores
    with pytest.raises(ValueError, match=f"'{name}' parameter of GRUClassifier"):
        clf.fit(X, y)


def test_stacked_units_must_be_positive_integers(sum_data):
    X, y = sum_data
    with pytest.raises(ValueError, match="'units' parameter"):
        GRUClassifier(**{**FAST, "units": (8, 0)}).fit(X, y)


def test_misspelt_parameter_is_reported_by_name(sum_data):
    X, y = sum_data
    with pytest.raises(ValueError, match="Unknown parameter 'unit'"):
        GRUClassifier(unit=5).fit(X, y)


def test_wrong_parameter_type_is_a_clear_error(sum_data):
    X, y = sum_data
    with pytest.raises(ValueError, match="'dropout' parameter"):
        GRUClassifier(dropout="a lot").fit(X, y)


def test_missing_target_is_rejected(regression_data):
    X, _ = regression_data
    with pytest.raises(ValueError, match="requires y"):
        GRURegressor(**FAST).fit(X, None)


def test_token_ids_beyond_the_fitted_vocabulary_are_rejected():
    rng = np.random.default_rng(0)
    ids = rng.integers(1, 10, size=(40, 6))
    clf = GRUClassifier(**FAST, embedding_dim=4).fit(ids, ids[:, -1] % 2)
    assert clf.vocabulary_size_ == 10
    with pytest.raises(ValueError, match="token id 12") as excinfo:
        clf.predict(np.full((1, 6), 12))
    assert _raised_without_tensorflow(excinfo)


def test_negative_or_fractional_token_ids_are_rejected():
    with pytest.raises(ValueError, match="non-negative integer token ids"):
        GRUClassifier(**FAST, embedding_dim=4).fit(np.full((4, 3), 0.5), [0, 1, 0, 1])
