"""The training policy: validation only when trustworthy, step budgets, a safe schedule."""

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sk_gru import GRUClassifier, GRURegressor, TextSequencer, next_word_pairs
from sk_gru._policy import (
    MAX_EXTRA_WORK,
    MIN_PATIENCE_STEPS,
    MIN_STEPS,
    MIN_VALIDATION,
    Plateau,
    training_policy,
)

POLICY = {
    "batch_size": 32,
    "epochs": 200,
    "early_stopping": "auto",
    "validation_fraction": 0.1,
    "patience": 10,
    "tol": 1e-4,
    "learning_rate_schedule": "adaptive",
}


def test_auto_validates_only_on_a_large_enough_split():
    small = training_policy(n_samples=10 * MIN_VALIDATION - 10, **POLICY)
    large = training_policy(n_samples=10 * MIN_VALIDATION, **POLICY)
    assert small.n_validation == 0
    assert large.n_validation == MIN_VALIDATION
    assert large.callbacks[0].monitor == "val_loss" and large.callbacks[0].restore_best
    assert small.callbacks[0].monitor == "loss" and not small.callbacks[0].restore_best


def test_explicit_early_stopping_validates_even_small_data():
    policy = training_policy(n_samples=50, **{**POLICY, "early_stopping": True})
    assert policy.n_validation == 5


def test_no_early_stopping_trains_exactly_the_epochs_given():
    policy = training_policy(n_samples=50, **{**POLICY, "early_stopping": False})
    assert (policy.n_validation, policy.epochs, policy.callbacks) == (0, 200, [])


def test_auto_epochs_give_tiny_data_enough_gradient_steps():
    policy = training_policy(n_samples=30, budget=True, **POLICY)  # one step per epoch
    assert policy.epochs == MIN_STEPS
    assert training_policy(n_samples=30, **POLICY).epochs == 200  # epochs given: kept


def test_auto_epochs_add_steps_to_few_long_series_only_within_a_work_budget():
    # 100 series of 2,000 steps: MIN_STEPS would take 500 epochs of 4 steps.
    capped = training_policy(n_samples=100, budget=True, n_timesteps=2000, **POLICY)
    assert capped.epochs == max(200, MAX_EXTRA_WORK // (100 * 2000)) < MIN_STEPS // 4
    shorter = training_policy(n_samples=100, budget=True, n_timesteps=100, **POLICY)
    assert shorter.epochs == MIN_STEPS // 4
    # The budget never takes epochs below those asked for.
    assert training_policy(n_samples=30, budget=True, n_timesteps=10**6, **POLICY).epochs == 200


def test_training_loss_patience_spans_enough_steps():
    policy = training_policy(n_samples=30, **POLICY)
    assert policy.callbacks[0].patience == 100


def test_a_fold_of_a_cross_validated_ensemble_validates_however_small():
    policy = training_policy(n_samples=100, folds=5, **POLICY)
    (plateau,) = policy.callbacks
    assert policy.n_validation == 20
    assert plateau.monitor == "val_loss" and plateau.restore_best
    assert plateau.patience == -(-MIN_PATIENCE_STEPS // 3)  # 80 samples: 3 steps an epoch


def test_dropout_reads_the_plateau_on_a_smoothed_loss():
    noisy = training_policy(n_samples=100, noisy=True, **POLICY).callbacks[0]
    assert noisy.smoothing > 0
    assert training_policy(n_samples=100, **POLICY).callbacks[0].smoothing == 0


class _Model:
    """Just what Plateau touches: an optimizer's rate, weights and stop flag."""

    class _Rate:
        def __init__(self, value):
            self.value = value

        def assign(self, value):
            self.value = value

        def __array__(self, dtype=None, copy=None):
            return np.asarray(self.value, dtype=dtype)

    def __init__(self):
        self.optimizer = type("Optimizer", (), {})()
        self.optimizer.learning_rate = self._Rate(0.01)
        self.stop_training = False
        self.weights = 0

    def get_weights(self):
        return self.weights

    def set_weights(self, weights):
        self.weights = weights


def _run(plateau, losses, model=None):
    model = model or _Model()
    plateau.set_model(model)
    plateau.on_train_begin()
    for epoch, loss in enumerate(losses):
        model.weights = epoch
        plateau.on_epoch_end(epoch, {"loss": loss, "val_loss": loss})
        if model.stop_training:
            break
    plateau.on_train_end()
    return model, epoch


def test_schedule_and_stopping_wait_until_learning_has_started():
    plateau = Plateau("loss", patience=4, tol=1e-4, adapt_learning_rate=True, restore_best=False)
    model, last = _run(plateau, [0.69] * 30)  # a loss stuck at its first value
    assert not model.stop_training and last == 29
    assert float(model.optimizer.learning_rate.value) == pytest.approx(0.01)


def test_plateau_after_learning_started_lowers_the_rate_then_stops():
    plateau = Plateau("loss", patience=4, tol=1e-4, adapt_learning_rate=True, restore_best=False)
    model, last = _run(plateau, [0.69, 0.5, 0.3] + [0.3] * 10)
    assert model.stop_training and last == 2 + 4
    assert float(model.optimizer.learning_rate.value) == pytest.approx(0.01 * 0.3 * 0.3)


def test_plateau_leaves_a_learning_rate_schedule_to_set_the_rate():
    model = _Model()
    model.optimizer.learning_rate = np.float32(0.01)  # a schedule's value: not assignable
    plateau = Plateau("loss", patience=4, tol=1e-4, adapt_learning_rate=True, restore_best=False)
    model, last = _run(plateau, [0.69, 0.5, 0.3] + [0.3] * 10, model)
    assert model.stop_training and last == 2 + 4


def test_validation_plateau_restores_the_best_epochs_weights():
    plateau = Plateau("val_loss", patience=3, tol=0, adapt_learning_rate=False, restore_best=True)
    model, _ = _run(plateau, [0.7, 0.4, 0.2, 0.3, 0.3, 0.3, 0.3])
    assert model.weights == 2


def test_validation_tol_is_relative_so_tiny_losses_still_improve():
    plateau = Plateau(
        "val_loss", patience=2, tol=1e-4, adapt_learning_rate=False, restore_best=True
    )
    model, last = _run(plateau, [1e-3 / 2**k for k in range(12)])  # halving, far below tol
    assert not model.stop_training and last == 11 and model.weights == 11


def test_training_loss_tol_is_absolute_so_a_learnt_set_stops():
    plateau = Plateau("loss", patience=2, tol=1e-4, adapt_learning_rate=False, restore_best=False)
    model, last = _run(plateau, [0.7, 0.1, 1e-5] + [1e-5 / 2**k for k in range(1, 12)])
    assert model.stop_training and last == 2 + 2


def test_smoothing_waits_out_a_lucky_epoch_that_would_look_like_a_plateau():
    losses = [1.0, 0.5, 0.4, 0.1] + [0.4, 0.38] * 10  # one lucky dip, then slow progress
    kwargs = {"patience": 4, "tol": 1e-4, "adapt_learning_rate": False, "restore_best": False}
    model, last = _run(Plateau("loss", **kwargs), losses)
    assert model.stop_training and last == 3 + 4
    model, last = _run(Plateau("loss", smoothing=0.95, **kwargs), losses)
    assert not model.stop_training and last == len(losses) - 1


def test_small_noisy_regression_with_defaults_is_no_worse_than_the_training_mean():
    # 80 samples, a weak signal under noise of standard deviation 1: one network
    # trained to its training-loss plateau fits the noise (test RMSE 1.47 where the
    # training mean gets 1.02); the cross-validated members stop in time.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1080, 8))
    y = 0.3 * X[:, -1] + rng.normal(size=1080)
    reg = GRURegressor(random_state=0).fit(X[:80], y[:80])
    rmse = np.sqrt(np.mean((reg.predict(X[80:]) - y[80:]) ** 2))
    assert rmse <= np.sqrt(np.mean((y[:80].mean() - y[80:]) ** 2))


def test_a_tiny_separable_long_sequence_classification_still_learns():
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 20)
    shape = np.sin(np.linspace(0, 6, 150))
    X = rng.normal(size=(40, 150)) + np.where(y == 1, 1.0, -1.0)[:, None] * shape
    clf = GRUClassifier(random_state=0).fit(X[:24], y[:24])
    assert clf.score(X[24:], y[24:]) == 1.0


def test_dropout_trains_as_long_as_without_and_ends_as_well():
    # Labels with 10 % noise; the training loss with dropout is noisy, and read raw
    # its plateau stopped after 63 epochs, where the fit without dropout ran 95.
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(1400, 20))
    y = (X.sum(axis=1) > 10) ^ (rng.uniform(size=1400) < 0.1)
    plain, dropped = (
        GRUClassifier(units=16, dropout=rate, random_state=0).fit(X[:400], y[:400])
        for rate in (0.0, 0.2)
    )
    assert dropped.n_iter_ >= plain.n_iter_
    assert 1 - dropped.score(X[400:], y[400:]) <= 1.2 * (1 - plain.score(X[400:], y[400:]))


def test_a_few_dozen_samples_learn_a_separable_task_with_defaults():
    rng = np.random.default_rng(0)
    y = np.tile([0, 1], 30)
    X = rng.normal(size=(60, 30)) + np.where(y == 1, 0.8, -0.8)[:, None]
    clf = GRUClassifier(random_state=0).fit(X[:36], y[:36])
    assert clf.score(X[36:], y[36:]) >= 0.9


@pytest.mark.slow
def test_seed_next_word_pipeline_learns_with_only_embedding_dim_set():
    sentences = ["I like apples.", "I like oranges.", "He likes bananas.", "She likes grapes."]
    prefixes, words = next_word_pairs(sentences)
    model = make_pipeline(TextSequencer(), GRUClassifier(embedding_dim=16, random_state=0))
    model.fit(prefixes, words)
    assert list(model.predict(["he likes", "she likes", "he", "i"])) == [
        "bananas",
        "grapes",
        "likes",
        "like",
    ]
