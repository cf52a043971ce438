"""The architecture fixed at fit: program keys, isolation across estimators, warm starts."""

import os
import pickle
from collections import OrderedDict

import keras
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sk_gru import PAD_VALUE, GRURegressor
from sk_gru import _base as base
from sk_gru import _training as training

TINY = {"epochs": 1, "batch_size": 8, "early_stopping": False, "random_state": 0}


def _tiny_data(kind: str = "float"):
    rng = np.random.default_rng(0)
    if kind == "tokens":
        X = rng.integers(1, 6, size=(16, 4))
        return X, X.sum(axis=1).astype(float)
    X = rng.normal(size=(16, 4, 2))
    if kind == "padded":
        X[::3, :2] = PAD_VALUE
    return X, np.where(X == PAD_VALUE, 0.0, X).sum(axis=(1, 2))


def _decay(rate: float):
    return keras.optimizers.schedules.ExponentialDecay(0.05, decay_steps=1, decay_rate=rate)


def test_schedules_with_other_rates_train_with_their_own(monkeypatch):
    X, y = _tiny_data()
    params = {**TINY, "epochs": 3, "optimizer": "sgd", "units": 3}
    monkeypatch.setattr(training, "_programs", OrderedDict())
    alone = GRURegressor(**params, optimizer__learning_rate=_decay(0.2)).fit(X, y).predict(X)
    monkeypatch.setattr(training, "_programs", OrderedDict())
    GRURegressor(**params, optimizer__learning_rate=_decay(0.9)).fit(X, y)
    after = GRURegressor(**params, optimizer__learning_rate=_decay(0.2)).fit(X, y)
    np.testing.assert_array_equal(after.predict(X), alone)


def test_predict_model_and_pickle_keep_the_fitted_architecture(monkeypatch):
    X, y = _tiny_data()
    reg = GRURegressor(**TINY, units=3).fit(X, y)
    expected = reg.predict(X)
    # Its program leaves the cache, then set_params changes the width, without a refit.
    monkeypatch.setattr(training, "_CACHE_SIZE", 1)
    GRURegressor(**TINY, units=5).fit(X, y)
    reg.set_params(units=12, dropout=0.5)
    np.testing.assert_array_equal(reg.predict(X), expected)
    widths = [layer.units for layer in reg.model_.layers if isinstance(layer, keras.layers.GRU)]
    assert widths == [3]
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(reg)).predict(X), expected)
    # The program rebuilt for it serves an estimator fitted as it was.
    again = GRURegressor(**TINY, units=3).fit(X, y)
    assert again._program() is reg._program()
    np.testing.assert_array_equal(again.predict(X), expected)


def test_loss_options_that_get_config_leaves_out_get_their_own_program():
    X, y = _tiny_data()
    narrow = GRURegressor(**TINY, units=3, loss=keras.losses.Huber(delta=0.1)).fit(X, y)
    wide = GRURegressor(**TINY, units=3, loss=keras.losses.Huber(delta=5.0)).fit(X, y)
    assert narrow._program() is not wide._program()


def test_predict_reads_the_input_the_network_was_fitted_on():
    X, y = _tiny_data("tokens")
    reg = GRURegressor(**TINY, units=3, embedding_dim=2).fit(X, y)
    expected = reg.predict(X)
    reg.set_params(embedding_dim=None)
    np.testing.assert_array_equal(reg.predict(X), expected)
    reg.set_params(warm_start=True)
    with pytest.raises(ValueError, match="after a change of embedding_dim"):
        reg.fit(X, y)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"units": 4}, "units"),
        ({"dropout": 0.2}, "dropout"),
        ({"dense_units": (2,)}, "dense_units"),
        ({"loss": "huber"}, "loss"),
        ({"optimizer": "sgd"}, "optimizer"),
        ({"optimizer__beta_1": 0.5}, "optimizer__beta_1"),
        ({"bidirectional": True}, "bidirectional"),
    ],
)
def test_warm_start_after_a_change_of_architecture_names_it(change, named):
    X, y = _tiny_data()
    reg = GRURegressor(**TINY, units=3, warm_start=True).fit(X, y)
    state = reg._network_states
    reg.set_params(**change)
    with pytest.raises(ValueError, match=f"after a change of {named}"):
        reg.fit(X, y)
    with pytest.raises(ValueError, match=f"after a change of {named}"):
        reg.partial_fit(X, y)
    assert reg._network_states is state  # the fitted network is left as it was


def test_warm_start_goes_on_after_a_change_of_rate_epochs_or_batch_size():
    X, y = _tiny_data()
    reg = GRURegressor(**TINY, units=3, warm_start=True).fit(X, y)
    reg.set_params(learning_rate=0.1, epochs=2, batch_size=4).fit(X, y)
    assert reg.history_["loss"][1:] and len(reg.history_["loss"]) == 3
    reg.partial_fit(X, y)
    assert len(reg.history_["loss"]) == 4


def test_an_optimizer_whose_start_depends_on_the_weights_is_refused():
    X, y = _tiny_data()
    with pytest.raises(ValueError, match="ScheduleFreeAdamW is not supported"):
        GRURegressor(**TINY, optimizer=keras.optimizers.ScheduleFreeAdamW()).fit(X, y)


# -- isolation: what a process fitted before never changes a fit ---------------------

OPTIMIZERS = st.one_of(
    st.builds(
        lambda c: {"optimizer": "adam", "optimizer__clipnorm": c}, st.sampled_from([None, 0.5])
    ),
    st.builds(
        lambda m: {"optimizer": "sgd", "optimizer__momentum": m}, st.sampled_from([0.0, 0.9])
    ),
    st.builds(
        lambda r: {"optimizer": "sgd", "optimizer__learning_rate": _decay(r)},
        st.sampled_from([0.3, 0.9]),
    ),
    st.builds(
        lambda v: {"optimizer": keras.optimizers.Adagrad(initial_accumulator_value=v)},
        st.sampled_from([0.1, 1.0]),
    ),
    st.sampled_from([{"optimizer": "nadam"}, {"optimizer": "ftrl"}, {"optimizer__use_ema": True}]),
)
LOSSES = st.sampled_from(
    [{}, {"loss": "huber"}, {"loss": keras.losses.Huber(delta=0.5)}, {"loss": "mae"}]
)
NETWORKS = st.fixed_dictionaries(
    {
        "units": st.sampled_from([2, 3]),
        "dropout": st.sampled_from([0.0, 0.3]),
        "conv_filters": st.sampled_from([(), (2,)]),
    }
)
SETTINGS = st.builds(
    lambda optimizer, loss, network, data: (data, {**optimizer, **loss, **network}),
    OPTIMIZERS,
    LOSSES,
    NETWORKS,
    st.sampled_from(["float", "padded", "tokens"]),
)


def _fitted(data: str, params: dict) -> GRURegressor:
    X, y = _tiny_data(data)
    embedding = {"embedding_dim": 3, "conv_filters": ()} if data == "tokens" else {}
    return GRURegressor(**TINY, **{**params, **embedding}).fit(X, y)


def check_isolation(first, second) -> None:
    """``second`` fitted after ``first`` equals ``second`` fitted in an empty cache."""
    _fitted(*first)
    after = _fitted(*second)
    caches = training._programs, base._components_memo
    training._programs, base._components_memo = OrderedDict(), {}
    try:
        alone = _fitted(*second)
    finally:
        training._programs, base._components_memo = caches
    for fitted, expected in zip(after._network_states, alone._network_states, strict=True):
        for value, expected_value in zip(fitted.variables, expected.variables, strict=True):
            np.testing.assert_array_equal(value, expected_value)
    X, _ = _tiny_data(second[0])
    np.testing.assert_array_equal(after.predict(X), alone.predict(X))


@pytest.mark.slow
@settings(
    # make test runs 12 pairs; make bench runs 200 (benchmarks/isolation.py).
    max_examples=int(os.environ.get("SK_GRU_ISOLATION_PAIRS", 12)),
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
@given(first=SETTINGS, second=SETTINGS)
def test_a_fit_never_depends_on_what_was_fitted_before(first, second):
    check_isolation(first, second)
