"""n_members: several networks averaged, cross-validated on small regression data."""

import pickle

import keras
import numpy as np
import pytest

from sk_gru import GRUClassifier, GRURegressor
from sk_gru._policy import training_policy

FAST = {"units": 4, "epochs": 3, "batch_size": 16, "random_state": 0}


def _data(n=120, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 6))
    return X, X[:, -2:].sum(axis=1) + 0.1 * rng.normal(size=n)


def _same_network(a, b) -> bool:
    """Whether two fitted networks' variables are equal, bit for bit."""
    pairs = zip(a.variables, b.variables, strict=True)
    return all(np.array_equal(x, y) for x, y in pairs)


class _Trainings(keras.callbacks.Callback):
    """Counts the trainings a fit runs, and whether each had a validation loss."""

    def __init__(self):
        super().__init__()
        self.validated = []

    def on_train_begin(self, logs=None):
        self.validated.append(False)

    def on_epoch_end(self, epoch, logs=None):
        self.validated[-1] = "val_loss" in logs


def test_small_regression_data_train_five_cross_validated_members():
    X, y = _data()
    trainings = _Trainings()
    reg = GRURegressor(**FAST, callbacks=[trainings]).fit(X, y)
    assert len(reg._network_states) == 5
    assert trainings.validated == [True] * 5
    assert "val_loss" in reg.history_


def test_the_folds_validate_every_sample_once():
    X, y = _data(n=23)
    reg = GRURegressor(**FAST).fit(X, y)
    data = (np.arange(23), np.arange(23), np.ones(23))
    splits = reg._member_splits(data, n_members=5, folds=5, n_validation=4, seed=0)
    held_out = np.concatenate([validation[0] for _, validation in splits])
    assert sorted(held_out) == list(range(23))
    for train, validation in splits:
        assert not set(train[0]) & set(validation[0])


def test_auto_is_one_network_where_a_validation_split_is_trusted_and_for_classifiers():
    X, y = _data(n=600)
    assert len(GRURegressor(**FAST).fit(X, y)._network_states) == 1
    X, y = _data()
    assert len(GRUClassifier(**FAST).fit(X, y > 0)._network_states) == 1
    assert len(GRURegressor(**FAST, early_stopping=False).fit(X, y)._network_states) == 1


def test_predictions_are_the_mean_of_the_members_and_model_computes_them():
    X, y = _data()
    reg = GRURegressor(**FAST, n_members=3).fit(X, y)
    program = reg._program()
    x = reg._network_input(X)
    members = [program.infer(state, x) for state in reg._network_states]
    expected = reg.target_encoder_.inverse_transform(np.mean(members, axis=0))
    np.testing.assert_allclose(reg.predict(X), expected, rtol=1e-6)
    assert len({round(float(m[0, 0]), 6) for m in members}) == 3  # they differ
    raw = reg.model_.predict(x, verbose=0)
    np.testing.assert_allclose(reg.target_encoder_.inverse_transform(raw), expected, rtol=1e-5)


def test_member_zero_is_the_network_a_single_fit_trains():
    X, y = _data()
    kwargs = {**FAST, "early_stopping": False}
    single = GRURegressor(**kwargs, n_members=1).fit(X, y)
    ensemble = GRURegressor(**kwargs, n_members=3).fit(X, y)
    assert _same_network(ensemble._network_states[0], single._network_states[0])


def test_explicit_early_stopping_gives_each_member_its_own_split():
    X, y = _data()
    reg = GRURegressor(**FAST, early_stopping=True)
    data = (np.arange(120), np.arange(120), np.ones(120))
    n_validation = training_policy(
        n_samples=120,
        batch_size=16,
        epochs=3,
        early_stopping=True,
        validation_fraction=0.1,
        patience=10,
        tol=1e-4,
        learning_rate_schedule="adaptive",
    ).n_validation
    splits = reg._member_splits(data, n_members=2, folds=0, n_validation=n_validation, seed=0)
    assert len(splits[0][1][0]) == len(splits[1][1][0]) == 12
    assert set(splits[0][1][0]) != set(splits[1][1][0])


def test_classifier_members_on_small_data_train_on_all_of_it():
    # Unlike a regressor's, they are not cross-validated: member zero is the network
    # a single fit trains, to its training-loss plateau.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 6))
    y = (X.sum(axis=1) > 0).astype(int)
    single = GRUClassifier(units=4, epochs=40, random_state=0).fit(X, y)
    ensemble = GRUClassifier(units=4, epochs=40, n_members=2, random_state=0).fit(X, y)
    assert "val_loss" not in ensemble.history_ and ensemble.n_iter_ == single.n_iter_
    assert _same_network(ensemble._network_states[0], single._network_states[0])
    # A member of its own seed.
    assert not _same_network(ensemble._network_states[1], single._network_states[0])


def test_classifier_members_average_their_probabilities(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**FAST, n_members=3).fit(X, y)
    program = clf._program()
    members = [program.infer(state, clf._network_input(X)) for state in clf._network_states]
    np.testing.assert_allclose(
        clf.predict_proba(X)[:, 1], np.mean(members, axis=0)[:, 0], rtol=1e-6
    )


def test_warm_start_and_partial_fit_train_every_member_on():
    X, y = _data()
    reg = GRURegressor(**FAST, n_members=2, early_stopping=False, warm_start=True).fit(X, y)
    before = [state.variables[-1].copy() for state in reg._network_states]
    reg.partial_fit(X, y)
    after = [state.variables[-1] for state in reg._network_states]
    assert len(after) == 2
    assert all(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))
    reg.fit(X, y)
    assert len(reg._network_states) == 2


def test_warm_start_after_a_change_of_n_members_names_it():
    X, y = _data()
    reg = GRURegressor(**FAST, n_members=2, warm_start=True).fit(X, y)
    states = reg._network_states
    reg.set_params(n_members=3)
    with pytest.raises(ValueError, match="after a change of n_members"):
        reg.fit(X, y)
    assert reg._network_states is states


def test_an_ensemble_pickles_and_predicts_the_same():
    X, y = _data()
    reg = GRURegressor(**FAST).fit(X, y)
    restored = pickle.loads(pickle.dumps(reg))
    np.testing.assert_array_equal(restored.predict(X), reg.predict(X))
    assert restored.model_.name == "ensemble"


@pytest.mark.parametrize(
    ("n_classes", "n_samples", "n_steps", "params", "expected"),
    [
        (3, 30, 12, {}, 5),  # 360 time steps per member: the cap of 5
        (3, 30, 20, {}, 3),  # 600: three fit the work of 2,000
        (3, 30, 70, {}, 1),  # 2,100: one network, however long the series
        (2, 30, 20, {}, 1),  # binary targets
        (3, 30, 20, {"early_stopping": False}, 1),  # exactly `epochs` epochs
        (3, 500, 2, {}, 1),  # 500 samples: a trusted validation split
        (3, 30, 20, {"embedding_dim": 4}, 1),  # token ids
    ],
)
def test_classifier_auto_members_average_series_of_many_classes_within_a_work_budget(
    monkeypatch, n_classes, n_samples, n_steps, params, expected
):
    monkeypatch.setattr("sk_gru.classifier.MEMBERS_WORK", 2_000)
    rng = np.random.default_rng(0)
    X = rng.integers(1, 9, size=(n_samples, n_steps))
    y = np.arange(n_samples) % n_classes
    clf = GRUClassifier(units=4, epochs=1, random_state=0, **params).fit(X, y)
    assert clf.n_members_ == len(clf._network_states) == expected
    assert clf.n_iter_ == 1
