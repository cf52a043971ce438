"""sk_gru's training core against ``keras.Model.fit``, the reference.

Each case starts both from the same weights (``initialize``), runs 3 epochs over
the same batches (``shuffle=False``) and compares every weight. One factor varies at
a time around a small base case: a GRU(8) regressor on 48 sequences of 8 steps.
The Keras side is written as a Keras user would write it.
"""

from collections import OrderedDict

import keras
import numpy as np
import pytest
from sklearn.utils.class_weight import compute_class_weight

from sk_gru import PAD_VALUE, GRUClassifier, GRURegressor
from sk_gru import _architecture as architecture
from sk_gru import _training as training

LR = 1e-2
TOLERANCE = 1e-5
BASE = {
    "units": 8,
    "epochs": 3,
    "batch_size": 16,
    "shuffle": False,
    "early_stopping": False,
    "learning_rate_schedule": "constant",
    "learning_rate": LR,
    "random_state": 0,
}


def _data(kind: str = "float", n: int = 48, steps: int = 8):
    rng = np.random.default_rng(0)
    if kind in ("tokens", "classes"):
        X = rng.integers(1, 10, size=(n, steps))
        if kind == "classes":
            return X, np.digitize(X.sum(axis=1), [4.5 * steps, 5.5 * steps])
        return X, (X.sum(axis=1) > 5 * steps).astype(int)
    X = rng.normal(size=(n, steps, 2))
    if kind == "padded":  # leading padding of varying length, as SequenceWindower makes
        for row in range(0, n, 3):
            X[row, : row % 5 + 1] = PAD_VALUE
    real = np.where(X == PAD_VALUE, 0.0, X)
    return X, real.sum(axis=(1, 2)) + 0.1 * rng.normal(size=n)


def _keras_fit(estimator, X, y, optimizer, loss, **fit_options) -> keras.Model:
    """The reference: the estimator's initial network, trained by keras.Model.fit."""
    initial = estimator.model_
    model = keras.models.clone_model(initial)
    for variable, value in zip(model.variables, initial.variables, strict=True):
        variable.assign(value)  # the dropout seeds too
    model.compile(optimizer=optimizer, loss=loss)
    x = X.astype(np.int32) if estimator.embedding_dim else X.astype(np.float32)
    if x.ndim < len(model.inputs[0].shape):  # univariate sequences as (n, steps)
        x = x[..., np.newaxis]
    targets = np.asarray(estimator.target_encoder_.transform(y)).reshape(len(x), -1)
    if isinstance(loss, keras.losses.CategoricalCrossentropy):
        targets = keras.utils.to_categorical(targets)
    model.fit(
        x, targets, batch_size=BASE["batch_size"], epochs=3, shuffle=False, verbose=0, **fit_options
    )
    return model


def _largest_difference(estimator, reference) -> float:
    pairs = zip(estimator.model_.variables, reference.variables, strict=True)
    return max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in pairs)


def _compare(
    params,
    optimizer=None,
    loss="mse",
    data="float",
    steps=8,
    estimator=GRURegressor,
    sample_weight=None,
    **fit_options,
):
    X, y = _data(data, steps=steps)
    est = estimator(**{**BASE, **params})
    est.initialize(X, y)
    optimizer = optimizer() if optimizer else keras.optimizers.Adam(learning_rate=LR)
    reference = _keras_fit(est, X, y, optimizer, loss, sample_weight=sample_weight, **fit_options)
    est.set_params(warm_start=True).fit(X, y, sample_weight=sample_weight)
    return _largest_difference(est, reference)


def _schedule(rate=0.5):
    return keras.optimizers.schedules.ExponentialDecay(LR, decay_steps=2, decay_rate=rate)


OPTIMIZERS = {
    name: (lambda cls=cls: cls(learning_rate=LR))
    for name, cls in {
        "sgd": keras.optimizers.SGD,
        "rmsprop": keras.optimizers.RMSprop,
        "adam": keras.optimizers.Adam,
        "adamw": keras.optimizers.AdamW,
        "adamax": keras.optimizers.Adamax,
        "adadelta": keras.optimizers.Adadelta,
        "adagrad": keras.optimizers.Adagrad,
        "nadam": keras.optimizers.Nadam,
        "ftrl": keras.optimizers.Ftrl,
        "lion": keras.optimizers.Lion,
        "adafactor": keras.optimizers.Adafactor,
        "muon": keras.optimizers.Muon,
    }.items()
}


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_every_builtin_optimizer_trains_what_keras_trains(name):
    assert _compare({"optimizer": name}, OPTIMIZERS[name]) <= TOLERANCE


OPTIONS = {
    "sgd momentum nesterov": (
        {"optimizer": "sgd", "optimizer__momentum": 0.9, "optimizer__nesterov": True},
        lambda: keras.optimizers.SGD(LR, momentum=0.9, nesterov=True),
    ),
    "adam amsgrad": (
        {"optimizer": "adam", "optimizer__amsgrad": True},
        lambda: keras.optimizers.Adam(LR, amsgrad=True),
    ),
    "adam weight_decay": (
        {"optimizer__weight_decay": 0.05},
        lambda: keras.optimizers.Adam(LR, weight_decay=0.05),
    ),
    "clipnorm": ({"optimizer__clipnorm": 0.1}, lambda: keras.optimizers.Adam(LR, clipnorm=0.1)),
    "clipvalue": (
        {"optimizer__clipvalue": 0.01},
        lambda: keras.optimizers.Adam(LR, clipvalue=0.01),
    ),
    "global_clipnorm": (
        {"optimizer__global_clipnorm": 0.1},
        lambda: keras.optimizers.Adam(LR, global_clipnorm=0.1),
    ),
    "use_ema": (
        {"optimizer__use_ema": True, "optimizer__ema_overwrite_frequency": 2},
        lambda: keras.optimizers.Adam(LR, use_ema=True, ema_overwrite_frequency=2),
    ),
    "gradient_accumulation_steps": (
        {"optimizer__gradient_accumulation_steps": 2},
        lambda: keras.optimizers.Adam(LR, gradient_accumulation_steps=2),
    ),
    "loss_scale_factor": (
        {"optimizer__loss_scale_factor": 4.0},
        lambda: keras.optimizers.Adam(LR, loss_scale_factor=4.0),
    ),
    "class with routed options": (
        {"optimizer": keras.optimizers.RMSprop, "optimizer__rho": 0.8},
        lambda: keras.optimizers.RMSprop(LR, rho=0.8),
    ),
    "instance": (
        {"optimizer": keras.optimizers.Adagrad(learning_rate=0.05, epsilon=1e-3)},
        lambda: keras.optimizers.Adagrad(learning_rate=0.05, epsilon=1e-3),
    ),
    "LossScaleOptimizer": (
        {"optimizer": keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(LR))},
        lambda: keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD(LR)),
    ),
    "schedule in an instance": (
        {"optimizer": keras.optimizers.Adam(learning_rate=_schedule())},
        lambda: keras.optimizers.Adam(learning_rate=_schedule()),
    ),
    "schedule routed": (
        {"optimizer": "sgd", "optimizer__learning_rate": _schedule(0.3)},
        lambda: keras.optimizers.SGD(learning_rate=_schedule(0.3)),
    ),
}


@pytest.mark.parametrize("name", OPTIONS)
def test_optimizer_options_and_forms_train_what_keras_trains(name):
    params, optimizer = OPTIONS[name]
    assert _compare(params, optimizer) <= TOLERANCE


LOSSES = {
    "string": ({"loss": "huber"}, "huber"),
    "function": (
        {"loss": keras.losses.mean_absolute_error},
        keras.losses.mean_absolute_error,
    ),
    "instance with options": (
        {"loss": keras.losses.Huber(delta=0.5)},
        keras.losses.Huber(delta=0.5),
    ),
    "class with routed options": (
        {"loss": keras.losses.Huber, "loss__delta": 0.3},
        keras.losses.Huber(delta=0.3),
    ),
}


@pytest.mark.parametrize("name", LOSSES)
def test_losses_in_every_form_train_what_keras_trains(name):
    params, loss = LOSSES[name]
    assert _compare(params, loss=loss) <= TOLERANCE


CLASSIFIER_LOSSES = {
    "label smoothing": (
        {"loss": keras.losses.BinaryCrossentropy(label_smoothing=0.1)},
        keras.losses.BinaryCrossentropy(label_smoothing=0.1),
    ),
    "from_logits": (
        {"loss": keras.losses.BinaryCrossentropy(from_logits=True)},
        keras.losses.BinaryCrossentropy(from_logits=True),
    ),
    "default": ({}, "binary_crossentropy"),
}


@pytest.mark.parametrize("name", CLASSIFIER_LOSSES)
def test_classifier_losses_train_what_keras_trains(name):
    params, loss = CLASSIFIER_LOSSES[name]
    assert _compare(params, loss=loss, data="tokens", estimator=GRUClassifier) <= TOLERANCE


def test_default_multiclass_loss_is_keras_label_smoothed_cross_entropy():
    # label_smoothing="auto" smooths by 0.1 with more than two classes, on sparse
    # labels: the same training as Keras's loss on one-hot targets.
    loss = keras.losses.CategoricalCrossentropy(label_smoothing=0.1)
    assert _compare({}, loss=loss, data="classes", estimator=GRUClassifier) <= TOLERANCE


def test_sample_weight_trains_what_keras_trains():
    weights = np.random.default_rng(3).uniform(0.1, 2.0, size=48)
    assert _compare({}, sample_weight=weights) <= TOLERANCE


def test_class_weight_trains_what_keras_trains():
    X, y = _data("tokens")
    balanced = compute_class_weight("balanced", classes=np.unique(y), y=y)
    difference = _compare(
        {"class_weight": "balanced"},
        loss="binary_crossentropy",
        data="tokens",
        estimator=GRUClassifier,
        class_weight=dict(enumerate(balanced)),
    )
    assert difference <= TOLERANCE


# BatchNorm cancels the bias of the convolution before it, so that bias's gradient is
# zero up to rounding, which Adam scales to full steps of random sign: the
# convolution cases train with SGD, where rounding stays rounding.
SGD = {"optimizer": "sgd"}
NETWORKS = {
    "masking": ({}, "padded"),
    "embedding": ({"embedding_dim": 4}, "tokens"),
    "bidirectional": ({"bidirectional": True}, "float"),
    "stacked": ({"units": (8, 4)}, "float"),
    "dense head": ({"dense_units": (6,)}, "float"),
    "convolution and batch norm": (
        {**SGD, "conv_filters": (4, 4), "conv_kernel_size": 3, "conv_pool_size": 2},
        "float",
    ),
    "parallel convolution": (
        {**SGD, "conv_filters": (4, 4), "conv_kernel_size": (3, 5), "conv_layout": "parallel"},
        "float",
    ),
    "mean pooling behind a masked front end": (
        {
            **SGD,
            "conv_filters": (4,),
            "conv_kernel_size": 3,
            "conv_pool_size": 2,
            "pooling": "mean",
        },
        "padded",
    ),
    "dropout": ({"dropout": 0.3}, "float"),
}


@pytest.mark.parametrize("name", NETWORKS)
def test_network_options_train_what_keras_trains(name):
    params, data = NETWORKS[name]
    optimizer = OPTIMIZERS[params.get("optimizer", "adam")]
    assert _compare(params, optimizer, data=data) <= TOLERANCE


@pytest.mark.parametrize("path", ["unrolled", "rolled", "xla"])
def test_every_training_path_trains_what_keras_trains(path, monkeypatch):
    monkeypatch.setattr(training, "_programs", OrderedDict())
    if path != "unrolled":
        monkeypatch.setattr(architecture, "_MAX_UNROLLED_TRAINING_STEPS", 0)
    if path == "xla":
        monkeypatch.setattr(training, "_XLA_STEPS", 1)  # all but the first epoch compiled
    X, _ = _data()
    est = GRURegressor(**BASE).fit(X, X.sum(axis=(1, 2)))
    program = est._program()
    assert program._unrolled == (path == "unrolled")
    assert _compare({}) <= TOLERANCE
    assert ("xla epoch" in _traced(program)) == (path == "xla")


def _traced(program) -> set[str]:
    return {name for name, get in program._functions.items() if get.cache_info().currsize}
