"""The training core: one traced program per architecture, each estimator's own weights."""

import threading
import time
from collections import OrderedDict

import keras
import numpy as np
import pytest

from sk_gru import PAD_VALUE, GRUClassifier, GRURegressor
from sk_gru import _architecture as architecture
from sk_gru import _training as training
from sk_gru._network import UnrolledGRU, roll

FAST = {"units": 8, "epochs": 2, "early_stopping": False}


def _program(estimator):
    return estimator._program()


def _traces(program):
    """The program's traced functions: a new trace would be a new concrete function."""
    functions = program._functions.items()
    return {name: get() for name, get in functions if get.cache_info().currsize}


def test_second_fit_of_the_same_architecture_traces_nothing(sum_data):
    X, y = sum_data
    first = GRUClassifier(**FAST, random_state=0).fit(X, y)
    first.predict(X)
    program = _program(first)
    traces = _traces(program)
    inference = dict(program._infer)
    # Another seed, learning rate, data size and epoch count: all data, no new graph.
    second = GRUClassifier(**{**FAST, "epochs": 3}, random_state=1, learning_rate=0.01)
    second.fit(X[:50], y[:50]).predict(X[:7])
    assert _program(second) is program
    assert _traces(program) == traces
    assert program._infer == inference


def test_another_topology_gets_its_own_program(sum_data):
    X, y = sum_data
    one = GRUClassifier(**FAST, random_state=0).fit(X, y)
    two = GRUClassifier(**{**FAST, "units": (8, 8)}, random_state=0).fit(X, y)
    headed = GRUClassifier(**FAST, dense_units=(4,), random_state=0).fit(X, y)
    assert len({id(_program(model)) for model in (one, two, headed)}) == 3


WIDTHS = [
    {"units": 3},
    {"units": 9, "dense_units": (5,)},
    {"units": 6},
    {"units": 4, "dense_units": (7,)},
    {"units": 6, "bidirectional": True},
    {"units": 11, "bidirectional": True},
    {"units": 5, "dropout": 0.2},  # input dropout: its rate is data too
    {"units": 7, "dropout": 0.4},
    # Convolution blocks: their filters are data; pooling 1 leaves the GRU 40 steps.
    {"units": 5, "conv_filters": (3, 6), "conv_pool_size": 1},
    {"units": 7, "conv_filters": (5, 4), "conv_pool_size": 1},
]


@pytest.mark.parametrize("data", ["float", "tokens", "long"])
def test_widths_are_data_one_trace_serves_every_width_bit_for_bit(data, monkeypatch):
    # Sequences of up to 32 steps train through UnrolledGRU's unrolled steps,
    # longer ones through its rolled loop.
    rng = np.random.default_rng(0)
    if data == "tokens":
        X = rng.integers(1, 9, size=(40, 6))
        y = X.sum(axis=1) > 27
        widths = [{**w, "embedding_dim": 3 + i} for i, w in enumerate(WIDTHS[:4])]
    else:
        X = rng.normal(size=(40, 40 if data == "long" else 6, 2))
        y = X.sum(axis=(1, 2)) > 0
        # The loop's own cases: backward layers, dropout and convolution blocks.
        widths = WIDTHS[4:] if data == "long" else WIDTHS[:8]
    monkeypatch.setattr(training, "_programs", OrderedDict())
    fitted, traced = [], {}
    for w in widths:
        model = GRUClassifier(**{**FAST, **w}, random_state=0).fit(X, y)
        model.predict(X)
        program = _program(model)
        # The first width of a topology traces; the later ones find its functions.
        traced.setdefault(id(program), (program, _traces(program), dict(program._infer)))
        fitted.append(model)
    # One program per topology: with and without the dense layer, bidirectional,
    # with dropout, with convolution blocks.
    assert len(traced) == training.cached_programs() == {"float": 4, "tokens": 2, "long": 3}[data]
    for program, traces, inference in traced.values():
        assert _traces(program) == traces and program._infer == inference
    for w, model in zip(widths, fitted, strict=True):
        # The weights have the estimator's own widths, those of its model_.
        state = model._network_states[0].variables
        assert [v.shape for v in state] == [tuple(v.shape) for v in model.model_.variables]
        np.testing.assert_allclose(
            model.predict_proba(X)[:, 1], model.model_.predict(X, verbose=0)[:, 0], atol=1e-6
        )
        # Up to 32 rows take UnrolledGRU's rolled loop through XLA; 40 (padded to
        # 64) go uncompiled (through the unrolled steps where the program has them).
        assert _program(model)._inference_path(64) == (data != "long", False)
        assert _program(model)._inference_path(8) == (False, True)
        np.testing.assert_allclose(
            model.predict_proba(X[:8]), model.predict_proba(X)[:8], atol=1e-6
        )
        monkeypatch.setattr(training, "_programs", OrderedDict())
        alone = GRUClassifier(**{**FAST, **w}, random_state=0).fit(X, y)
        for value, expected in zip(state, alone._network_states[0].variables, strict=True):
            np.testing.assert_array_equal(value, expected)
        np.testing.assert_array_equal(model.predict_proba(X), alone.predict_proba(X))


def test_small_batches_infer_through_the_rolled_loop_of_stacked_masked_layers():
    # Where widths are data, up to 32 rows go through UnrolledGRU's rolled loop
    # under XLA (sequences between stacked layers, backward layers, padding masks),
    # 33 to 511 rows through the unrolled steps: the same network.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6, 2))
    X[::3, :2] = PAD_VALUE  # leading padding
    y = np.where(X == PAD_VALUE, 0.0, X).sum(axis=(1, 2))
    params = {**FAST, "units": (4, 3), "bidirectional": True}
    reg = GRURegressor(**params, random_state=0).fit(X, y)
    program = _program(reg)
    assert program.widths.data and program._inference_path(8) == (False, True)
    np.testing.assert_allclose(reg.predict(X[:8]), reg.predict(X)[:8], rtol=1e-5, atol=1e-6)
    assert np.std(reg.predict(X)) > 0.01


def test_estimators_sharing_a_program_keep_their_own_predictions(sum_data):
    X, y = sum_data
    first = GRUClassifier(**FAST, random_state=0).fit(X, y)
    expected = first.predict_proba(X)
    second = GRUClassifier(**FAST, random_state=1).fit(X, y)
    assert _program(first) is _program(second)
    np.testing.assert_array_equal(first.predict_proba(X), expected)
    assert not np.allclose(second.predict_proba(X), expected)


def test_fits_in_threads_match_serial_fits_and_leave_others_alone(regression_data):
    X, y = regression_data
    serial = [GRURegressor(**FAST, random_state=seed).fit(X, y).predict(X) for seed in range(4)]
    bystander = GRURegressor(**FAST, random_state=9).fit(X, y)
    before = bystander.predict(X)
    estimators = [GRURegressor(**FAST, random_state=seed) for seed in range(4)]
    threads = [threading.Thread(target=est.fit, args=(X, y)) for est in estimators]
    for thread in threads:
        thread.start()
    during = [bystander.predict(X) for _ in range(5)]
    for thread in threads:
        thread.join()
    for estimator, expected in zip(estimators, serial, strict=True):
        np.testing.assert_array_equal(estimator.predict(X), expected)
    for prediction in during:
        np.testing.assert_array_equal(prediction, before)


def test_threads_predicting_through_a_new_path_build_it_once(sum_data, monkeypatch):
    X, y = sum_data
    monkeypatch.setattr(training, "_programs", OrderedDict())
    clf = GRUClassifier(**FAST, random_state=0).fit(X, y)
    expected = clf.predict_proba(X)
    program = _program(clf)
    monkeypatch.setattr(program, "_infer", {})  # its inference paths yet to build
    built, build = [], program._new_inference_function

    def slow_build(path):
        built.append(path)
        time.sleep(0.2)  # long enough for the other thread to ask for the same path
        return build(path)

    monkeypatch.setattr(program, "_new_inference_function", slow_build)
    results = [None, None]

    def predict(index):
        results[index] = clf.predict_proba(X)

    threads = [threading.Thread(target=predict, args=(index,)) for index in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert built and len(built) == len(set(built))
    for result in results:
        np.testing.assert_array_equal(result, expected)


def test_long_fits_go_on_through_xla_to_the_same_model(sum_data, monkeypatch):
    X, y = sum_data  # 120 rows: one full batch of 64 per epoch
    monkeypatch.setattr(architecture, "_MAX_UNROLLED_TRAINING_STEPS", 19)  # 20 steps: rolled
    monkeypatch.setattr(training, "_programs", OrderedDict())
    plain = GRUClassifier(**FAST, random_state=0).fit(X, y)  # 2 epochs
    assert _unrolled(_program(plain).model) == [False]
    program = _program(plain)
    # Steps run count, not steps planned: after one epoch, one step has run.
    monkeypatch.setattr(training, "_XLA_STEPS", 2)
    GRUClassifier(**FAST, random_state=0).fit(X, y)
    assert "xla epoch" not in _traces(program)
    monkeypatch.setattr(training, "_XLA_STEPS", 1)
    compiled = GRUClassifier(**FAST, random_state=0).fit(X, y)
    assert "xla epoch" in _traces(program)
    np.testing.assert_allclose(compiled.history_["loss"], plain.history_["loss"], rtol=1e-4)
    np.testing.assert_allclose(compiled.predict_proba(X), plain.predict_proba(X), rtol=1e-4)


def test_first_fit_traces_evaluation_and_inference_during_the_first_epoch(sum_data, monkeypatch):
    X, y = sum_data
    params = {**FAST, "early_stopping": True, "validation_fraction": 0.2}
    monkeypatch.setattr(training, "_programs", OrderedDict())  # a program yet to trace
    sides = []
    alongside = training._alongside

    def spy(main, side):
        sides.append(side)
        return alongside(main, side)

    monkeypatch.setattr(training, "_alongside", spy)
    first = GRUClassifier(**params, random_state=0).fit(X, y)
    assert len(sides) == 1 and "evaluate" in _traces(_program(first))
    program = _program(first)
    assert program._inference_path(1) in program._infer  # traced for the first predict
    second = GRUClassifier(**params, random_state=0).fit(X, y)  # evaluation traced
    assert len(sides) == 1
    assert first.history_ == second.history_ and len(first.history_["val_loss"]) == 2
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_first_fit_with_dropout_and_validation_matches_later_fits(monkeypatch):
    # An evaluation draws dropout masks (Keras's recurrent cells do so even when not
    # training), so running one beside the first epoch changed that fit's masks.
    rng = np.random.default_rng(0)
    X = rng.integers(1, 50, size=(2000, 8))
    y = X[:, -1] % 5
    params = {**FAST, "embedding_dim": 4, "dropout": 0.6, "epochs": 3, "batch_size": 128}
    params["early_stopping"] = "auto"  # 200 validation samples
    monkeypatch.setattr(training, "_programs", OrderedDict())  # a program yet to trace
    first, second = (GRUClassifier(**params, random_state=0).fit(X, y) for _ in range(2))
    assert len(first.history_["val_loss"]) == 3
    np.testing.assert_array_equal(first.predict_proba(X), second.predict_proba(X))


def test_an_error_beside_the_first_epoch_reaches_the_caller():
    def fail():
        raise ValueError("no evaluation")

    with pytest.raises(ValueError, match="no evaluation"):
        training._alongside(lambda: 1, fail)
    assert training._alongside(lambda: 1, lambda: None) == 1


def _unrolled(model: keras.Model) -> list[bool]:
    return [
        layer.unroll and not getattr(layer, "rolled", False)
        for layer in model._flatten_layers()
        if isinstance(layer, keras.layers.GRU)
    ]


@pytest.mark.skipif(not training._on_cpu(), reason="on a GPU, training runs cuDNN, rolled")
def test_short_sequences_train_unrolled_to_the_same_model(regression_data, monkeypatch):
    X, y = regression_data  # 8 steps
    # From the first step on, XLA would compile a rolled network's epochs, never an
    # unrolled one's.
    monkeypatch.setattr(training, "_XLA_STEPS", 0)
    monkeypatch.setattr(training, "_programs", OrderedDict())
    unrolled = GRURegressor(**FAST, random_state=0).fit(X, y)
    assert _unrolled(_program(unrolled).model) == [True]
    assert "xla epoch" not in _traces(_program(unrolled))
    monkeypatch.setattr(training, "_programs", OrderedDict())
    monkeypatch.setattr(architecture, "_MAX_UNROLLED_TRAINING_STEPS", 7)
    rolled = GRURegressor(**FAST, random_state=0).fit(X, y)
    assert _unrolled(_program(rolled).model) == [False]
    assert "xla epoch" in _traces(_program(rolled))
    np.testing.assert_allclose(unrolled.history_["loss"], rolled.history_["loss"], rtol=1e-4)
    np.testing.assert_allclose(unrolled.predict(X), rolled.predict(X), rtol=1e-4)
    # model_ is the rolled network whatever the training ran (cuDNN-eligible on a GPU).
    assert _unrolled(unrolled.model_) == [False]


def test_inference_pads_to_a_power_of_two_and_splits_large_inputs(sum_data, monkeypatch):
    x = np.arange(19 * 3, dtype=np.float32).reshape(19, 3, 1)
    monkeypatch.setattr(training, "_MAX_ROWS", 8)
    chunks = list(training.padded_chunks(x))
    assert [(len(chunk), n_rows) for chunk, n_rows in chunks] == [(8, 8), (8, 8), (4, 3)]
    np.testing.assert_array_equal(np.concatenate([c[:n] for c, n in chunks]), x)
    np.testing.assert_array_equal(chunks[-1][0][3], 0.0)
    # Through the estimator: the padding rows are dropped, chunks stay in order.
    X, y = sum_data
    reg = GRURegressor(**FAST, random_state=0).fit(X, y)
    chunked = reg.predict(X[:19])
    monkeypatch.setattr(training, "_MAX_ROWS", 4096)
    np.testing.assert_allclose(chunked, reg.predict(X[:19]), rtol=1e-6)


def test_large_chunks_pad_to_quarter_steps_between_powers_of_two():
    padded = {n: training.padded_rows(n) for n in (1, 3, 512, 513, 800, 1024, 1025, 4096)}
    assert padded == {1: 1, 3: 4, 512: 512, 513: 640, 800: 896, 1024: 1024, 1025: 1280, 4096: 4096}
    # Few shapes for XLA to compile: 10 powers of two up to 512, 12 steps above.
    assert len({training.padded_rows(n) for n in range(1, training._MAX_ROWS + 1)}) == 22


@pytest.mark.skipif(not training._on_cpu(), reason="on a GPU, widths are fixed")
@pytest.mark.parametrize("estimator", [GRUClassifier, GRURegressor])
def test_the_number_of_outputs_is_data(estimator, monkeypatch):
    # Three to five classes, or two and three regression targets: one program and
    # one trace of its training functions; each fit is that of an empty cache.
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 5, 2))
    if estimator is GRUClassifier:
        targets = [rng.integers(0, k, 30) for k in (3, 4, 5)]
    else:
        targets = [rng.normal(size=(30, k)) for k in (2, 3)]
    monkeypatch.setattr(training, "_programs", OrderedDict())
    fitted = [estimator(**FAST, random_state=0).fit(X, y) for y in targets]
    program = _program(fitted[0])
    assert training.cached_programs() == 1 and len(program._trained) == 1
    for y, model in zip(targets, fitted, strict=True):
        outputs = len(np.unique(y)) if y.ndim == 1 else y.shape[1]
        assert model.model_.output_shape[-1] == outputs
        monkeypatch.setattr(training, "_programs", OrderedDict())
        alone = estimator(**FAST, random_state=0).fit(X, y)
        for value, expected in zip(
            model._network_states[0].variables, alone._network_states[0].variables, strict=True
        ):
            np.testing.assert_array_equal(value, expected)
        np.testing.assert_array_equal(model.predict(X), alone.predict(X))


@pytest.mark.skipif(not training._on_cpu(), reason="on a GPU, inference runs uncompiled")
@pytest.mark.parametrize(
    ("settings", "repeats"),
    [({}, 1), ({"conv_filters": (4,)}, 1), ({"recurrent_dropout": 0.1}, 2), ({}, 2)],
)
def test_small_and_large_batches_infer_through_the_rolled_loop(
    sum_data, settings, repeats, monkeypatch
):
    # On a CPU, batches of any size but a search's scoring folds go through
    # UnrolledGRU's rolled loop under XLA, whether the widths are data or fixed
    # (recurrent dropout), and whether the program trains the unrolled steps (20),
    # Keras's GRU (fixed widths, 40 steps) or the rolled loop itself (widths as
    # data, 40 steps): the trained network's outputs.
    X, y = sum_data
    X = np.tile(X, repeats)
    monkeypatch.setattr(training, "_programs", OrderedDict())  # a program yet to trace
    rolled = []
    monkeypatch.setattr(training, "roll", lambda model: rolled.append(model) or roll(model))
    clf = GRUClassifier(**FAST, **settings, random_state=0).fit(X, y)
    program = _program(clf)
    assert program._unrolled == (repeats == 1)
    assert program.widths.data == ("recurrent_dropout" not in settings)
    large = np.concatenate([X] * 5)[:520]  # padded to 640 rows
    for rows in (X[:8], large):
        assert program._inference_path(training.padded_rows(len(rows))) == (False, True)
        keras_outputs = clf.model_(rows[..., None].astype(np.float32), training=False)
        probabilities = clf.predict_proba(rows)[:, 1]
        np.testing.assert_allclose(probabilities, np.asarray(keras_outputs).ravel(), rtol=1e-5)
        # Each shape keeps its program: the same rows predict the same on every call.
        np.testing.assert_array_equal(clf.predict_proba(rows)[:, 1], probabilities)
    assert (True, True) not in program._infer  # the unrolled steps compile nothing
    (template,) = rolled
    grus = [layer for layer in template._flatten_layers() if isinstance(layer, UnrolledGRU)]
    assert grus and all(layer.rolled for layer in grus)


def test_model_is_a_keras_model_holding_the_fitted_weights(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**FAST, random_state=0).fit(X, y)
    keras_outputs = clf.model_(X[:5, :, None].astype(np.float32), training=False)
    np.testing.assert_allclose(
        np.asarray(keras_outputs).ravel(), clf.predict_proba(X[:5])[:, 1], rtol=1e-5
    )


def test_model_follows_a_refit_with_another_architecture(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**FAST, random_state=0).fit(X, y)
    assert clf.model_.layers[-2].units == 8
    clf.set_params(units=9)  # as many variables as before, of other shapes
    clf.fit(X, y)
    assert clf.model_.layers[-2].units == 9
    np.testing.assert_allclose(
        np.asarray(clf.model_(X[:3, :, None].astype(np.float32))).ravel(),
        clf.predict_proba(X[:3])[:, 1],
        rtol=1e-5,
    )


def test_history_logs_match_what_keras_callbacks_receive(sum_data):
    import keras

    X, y = sum_data
    seen = []

    class Record(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append((epoch, dict(logs)))

    clf = GRUClassifier(**FAST, random_state=0, callbacks=[Record()]).fit(X, y)
    assert [epoch for epoch, _ in seen] == [0, 1]
    assert [logs["loss"] for _, logs in seen] == pytest.approx(clf.history_["loss"])


def test_metrics_are_reported_per_epoch(sum_data):
    X, y = sum_data
    clf = GRUClassifier(**FAST, random_state=0, metrics=["binary_accuracy"]).fit(X, y)
    assert len(clf.history_["binary_accuracy"]) == 2
    assert 0 <= clf.history_["binary_accuracy"][-1] <= 1
