"""GRUClassifier behaviour: labels, probabilities, weights, inputs and ecosystem fit."""

import keras
import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import StackingClassifier, VotingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, check_cv, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sk_gru import GRUClassifier, GRURegressor

FAST = {"units": 8, "epochs": 3, "learning_rate": 0.03, "random_state": 0}


class _WeightRecorder(keras.callbacks.Callback):
    """Copies the network's weights when training starts and after each epoch."""

    def __init__(self):
        super().__init__()
        self.at_start, self.after_epoch = [], []

    def on_train_begin(self, logs=None):
        self.at_start.append(self.model.get_weights())

    def on_epoch_end(self, epoch, logs=None):
        self.after_epoch.append(self.model.get_weights())


def test_is_classifier_and_is_regressor_are_right():
    assert is_classifier(GRUClassifier())
    assert not is_regressor(GRUClassifier())
    assert is_regressor(GRURegressor())
    assert not is_classifier(GRURegressor())


def test_cross_validation_of_classifier_is_stratified():
    cv = check_cv(3, np.array([0, 1] * 10), classifier=is_classifier(GRUClassifier()))
    assert isinstance(cv, StratifiedKFold)


def test_predict_proba_columns_follow_classes_order():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(90, 6))
    labels = np.array(["zebra", "apple", "mango"])
    y = labels[np.argmax(X[:, :3], axis=1)]
    clf = GRUClassifier(**FAST).fit(X, y)
    assert list(clf.classes_) == ["apple", "mango", "zebra"]
    proba = clf.predict_proba(X)
    assert proba.shape == (90, 3)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    np.testing.assert_array_equal(clf.predict(X), clf.classes_[proba.argmax(axis=1)])


@pytest.mark.parametrize("labels", [["yes", "no"], ["c", "a", "b"]], ids=["binary", "multiclass"])
def test_predict_proba_column_of_each_class_is_high_exactly_on_its_samples(labels):
    # Labels seen in an order other than sorted, so that columns in order of first
    # appearance, or swapped binary columns, would put one class's probability under
    # another's name.
    rng = np.random.default_rng(0)
    which = rng.integers(len(labels), size=60)
    which[0] = 0
    X = rng.normal(scale=0.3, size=(60, 3))
    X[np.arange(60), which] += 2.0  # the step holding the peak gives the class
    y = np.asarray(labels)[which]
    assert list(pd.unique(y)) != sorted(labels)
    clf = GRUClassifier(**{**FAST, "epochs": 30}).fit(X, y)
    proba = clf.predict_proba(X)
    for label in labels:
        column = proba[:, list(clf.classes_).index(label)]
        assert column[y == label].min() > 0.5, label
        assert column[y != label].max() < 0.5, label


def test_predict_proba_of_one_sequence_is_two_dimensional(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**FAST).fit(X, y)
    assert clf.predict_proba(X[:1]).shape == (1, 2)
    assert clf.predict(X[:1]).shape == (1,)


def test_learns_the_sum_task_and_generalises():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(600, 20))
    y = (X.sum(axis=1) > 10).astype(int)
    clf = GRUClassifier(units=16, epochs=40, learning_rate=0.01, random_state=0)
    clf.fit(X[:400], y[:400])
    assert clf.score(X[400:], y[400:]) >= 0.9


@pytest.mark.parametrize(
    ("n_classes", "tokens", "label_smoothing", "most_confident"),
    # The smoothed optimum of the true class is 1 - 0.1 + 0.1 / 3 = 0.933.
    [
        (3, False, "auto", (0.85, 0.95)),
        (3, False, 0.0, (0.99, 1.0)),
        (2, False, "auto", (0.99, 1.0)),
        (3, True, "auto", (0.99, 1.0)),
    ],
)
def test_label_smoothing_caps_confidence_of_series_of_more_than_two_classes(
    n_classes, tokens, label_smoothing, most_confident
):
    rng = np.random.default_rng(0)
    y = np.arange(60) % n_classes
    X = rng.normal(scale=0.1, size=(60, 6)) + y[:, None]
    if tokens:
        X = np.tile(y[:, None] + 1, 6)
    clf = GRUClassifier(units=8, epochs=60, learning_rate=0.03, random_state=0)
    clf.set_params(
        label_smoothing=label_smoothing, early_stopping=False, embedding_dim=4 if tokens else None
    ).fit(X, y)
    assert clf.score(X, y) == 1.0
    low, high = most_confident
    assert low <= clf.predict_proba(X).max(axis=1).mean() <= high


def test_three_dimensional_input_with_several_features():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5, 3))
    y = (X[:, :, 2].sum(axis=1) > 0).astype(int)
    clf = GRUClassifier(**FAST).fit(X, y)
    assert clf.input_shape_ == (5, 3)
    assert clf.n_features_in_ == 5
    assert clf.predict(X).shape == (80,)


def test_integer_input_is_accepted(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**FAST).fit((X * 10).astype(int), y)
    assert set(clf.predict((X * 10).astype(int))) <= {0, 1}


def test_dataframe_input_records_feature_names(sum_data):
    X, y = sum_data
    frame = pd.DataFrame(X, columns=[f"t{i}" for i in range(X.shape[1])])
    clf = GRUClassifier(**FAST).fit(frame, pd.Series(y))
    assert list(clf.feature_names_in_) == list(frame.columns)
    with pytest.warns(UserWarning, match="does not have valid feature names"):
        from_array = clf.predict_proba(X)
    np.testing.assert_allclose(clf.predict_proba(frame), from_array)


def test_sample_weight_shifts_the_decision(sum_data):
    X, y = sum_data
    weight = np.where(y == 1, 1.0, 1e-3)
    plain = GRUClassifier(**FAST).fit(X, y)
    weighted = GRUClassifier(**FAST).fit(X, y, sample_weight=weight)
    assert weighted.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()


def test_class_weight_shifts_the_decision_without_touching_sample_weight(sum_data):
    X, y = sum_data
    # float32, the dtype training uses, so that validation does not hand fit a copy.
    sample_weight = np.ones(len(y), dtype=np.float32)
    plain = GRUClassifier(**FAST).fit(X, y, sample_weight=sample_weight)
    weighted = GRUClassifier(class_weight={0: 0.01, 1: 1.0}, **FAST)
    weighted.fit(X, y, sample_weight=sample_weight)
    # scikeras multiplies the caller's sample_weight array in place.
    np.testing.assert_array_equal(sample_weight, 1.0)
    assert weighted.predict_proba(X)[:, 1].mean() > plain.predict_proba(X)[:, 1].mean()


@pytest.mark.parametrize("scoring", ["roc_auc", "neg_log_loss"])
def test_cross_val_score_with_probability_scorers_is_finite(sum_data, scoring):
    # scikeras gives nan here: is_classifier was False, so scorers got 2-D probabilities.
    X, y = sum_data
    scores = cross_val_score(GRUClassifier(**FAST), X, y, cv=2, scoring=scoring)
    assert np.all(np.isfinite(scores))


def test_calibrated_classifier_cv_fits_and_predicts(sum_data):
    X, y = sum_data
    calibrated = CalibratedClassifierCV(GRUClassifier(**FAST), cv=2).fit(X, y)
    assert calibrated.predict_proba(X).shape == (len(X), 2)


def test_stacking_and_voting_accept_the_classifier(sum_data):
    X, y = sum_data
    members = [("gru", GRUClassifier(**FAST)), ("lr", LogisticRegression())]
    stack = StackingClassifier(members, cv=2).fit(X, y)
    vote = VotingClassifier(members, voting="soft").fit(X, y)
    assert stack.score(X, y) > 0.5
    assert vote.predict_proba(X).shape == (len(X), 2)


def test_grid_search_over_pipeline_with_nested_names(sum_data):
    X, y = sum_data
    pipe = make_pipeline(FunctionTransformer(), GRUClassifier(**FAST))
    grid = {"gruclassifier__units": [4, 8], "gruclassifier__optimizer__beta_1": [0.9]}
    search = GridSearchCV(pipe, grid, cv=2).fit(X, y)
    assert search.best_params_["gruclassifier__units"] in (4, 8)
    assert search.best_estimator_[-1].model_.get_layer(index=-2).units in (4, 8)


def test_clone_keeps_parameters_and_routed_parameters():
    clf = GRUClassifier(units=(8, 4), optimizer__beta_1=0.8, random_state=3)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert copy.get_params()["optimizer__beta_1"] == 0.8


def test_routed_parameters_reach_the_optimizer_and_network(sum_data):
    X, y = sum_data
    clf = GRUClassifier(
        **{**FAST, "epochs": 1}, optimizer__learning_rate=0.123, model__dense_units=(5,)
    ).fit(X, y)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.123)
    dense = [layer for layer in clf.model_.layers if type(layer).__name__ == "Dense"]
    assert [layer.units for layer in dense] == [5, 1]


def test_learning_rate_parameter_sets_the_optimizer(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**{**FAST, "epochs": 1, "learning_rate": 0.0042}).fit(X, y)
    assert float(clf.model_.optimizer.learning_rate) == pytest.approx(0.0042)


def test_stacked_and_bidirectional_layers_are_built(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**{**FAST, "units": (6, 3), "epochs": 1}, bidirectional=True)
    clf.fit(X, y)
    kinds = [type(layer).__name__ for layer in clf.model_.layers]
    assert kinds.count("Bidirectional") == 2


def test_early_stopping_stops_and_keeps_best_validation_loss(sum_data):
    X, y = sum_data
    recorder = _WeightRecorder()
    clf = GRUClassifier(
        units=8,
        epochs=60,
        early_stopping=True,
        patience=2,
        learning_rate=0.05,
        random_state=0,
        callbacks=[recorder],
    )
    clf.fit(X, y)
    assert clf.n_iter_ < 60
    assert "val_loss" in clf.history_
    assert len(clf.history_["loss"]) == clf.n_iter_
    best = int(np.argmin(clf.history_["val_loss"]))
    assert best < clf.n_iter_ - 1  # the last epochs were worse, so keeping them would show
    for kept, at_best in zip(clf.model_.get_weights(), recorder.after_epoch[best], strict=True):
        np.testing.assert_array_equal(kept, at_best)


@pytest.mark.parametrize("schedule", ["adaptive", "constant"])
def test_adaptive_schedule_lowers_the_learning_rate_when_validation_stalls(sum_data, schedule):
    X, y = sum_data
    clf = GRUClassifier(
        units=8,
        epochs=60,
        early_stopping=True,
        patience=4,
        learning_rate=0.05,
        learning_rate_schedule=schedule,
        random_state=0,
    ).fit(X, y)
    assert clf.n_iter_ < 60  # the validation loss stalled, so the schedule had its chance
    final_rate = float(clf.model_.optimizer.learning_rate)
    if schedule == "adaptive":
        assert final_rate <= 0.05 * 0.3 * (1 + 1e-6)
    else:
        assert final_rate == pytest.approx(0.05)


def test_unknown_learning_rate_schedule_is_rejected_by_name(sum_data):
    X, y = sum_data
    with pytest.raises(ValueError, match="learning_rate_schedule"):
        GRUClassifier(learning_rate_schedule="sometimes").fit(X, y)


def test_warm_start_continues_from_fitted_weights(sum_data):
    X, y = sum_data
    recorder = _WeightRecorder()
    clf = GRUClassifier(**FAST, warm_start=True, early_stopping=False, callbacks=[recorder])
    clf.fit(X, y)
    model, fitted = clf.model_, clf.model_.get_weights()
    clf.fit(X, y)
    assert clf.model_ is model
    assert len(clf.history_["loss"]) == 2 * FAST["epochs"]
    for start, end in zip(recorder.at_start[1], fitted, strict=True):
        np.testing.assert_array_equal(start, end)
    # A fresh start would begin again near the first fit's first-epoch loss.
    assert clf.history_["loss"][FAST["epochs"]] < 0.8 * clf.history_["loss"][0]


def test_partial_fit_trains_one_epoch_at_a_time_with_given_classes(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**FAST)
    clf.partial_fit(X[y == 0], y[y == 0], classes=[0, 1])
    clf.partial_fit(X, y)
    assert list(clf.classes_) == [0, 1]
    assert len(clf.history_["loss"]) == 2


def test_mask_value_skips_padded_steps_wherever_they_are():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 4))
    X[:, 0] = -1.0
    y = (X[:, 1:].sum(axis=1) > 0).astype(int)
    clf = GRUClassifier(**FAST, mask_value=-1.0).fit(X, y)
    a, b, c = 0.3, -0.7, 1.2
    leading = clf.predict_proba(np.array([[-1.0, a, b, c]]))
    inner = clf.predict_proba(np.array([[a, -1.0, b, c]]))
    zero = clf.predict_proba(np.array([[0.0, a, b, c]]))
    np.testing.assert_allclose(leading, inner, rtol=1e-5)
    assert not np.allclose(leading, zero, rtol=1e-5)


def test_html_repr_shows_changed_parameters():
    html = GRUClassifier(units=7)._repr_html_()
    assert "GRUClassifier" in html and "units" in html
    assert repr(GRUClassifier(units=7)) == "GRUClassifier(units=7)"
