"""TensorFlow and Keras runtime repairs: seeding, memory, tracing and fast predict.

These work around defects of TensorFlow and Keras themselves (not of scikeras), in
one place; each says what goes wrong upstream.
"""

from __future__ import annotations

import contextlib
import random
import threading
from collections.abc import Callable, Iterator
from numbers import Integral

import keras
import numpy as np
import tensorflow as tf
from tensorflow.python.eager import context
from tensorflow.python.framework import ops as tf_ops

# Longest sequence whose recurrence the predict function unrolls into a flat graph.
_MAX_UNROLLED_STEPS = 64


@contextlib.contextmanager
def scoped_seed(seed: int | None) -> Iterator[None]:
    """Seed Python, NumPy, TensorFlow and Keras for the block, then restore them.

    scikeras enables TensorFlow op determinism for a seeded fit and can leave it on,
    so a later unseeded fit raises a RuntimeError. We never touch op determinism
    (CPU kernels are deterministic for a fixed seed) and restore every seed we set.
    """
    if seed is None:
        yield
        return
    from keras.src.backend.common import global_state
    from keras.src.random.seed_generator import GLOBAL_SEED_GENERATOR
    from keras.src.utils.rng_utils import GLOBAL_RANDOM_SEED

    saved_python = random.getstate()
    saved_numpy = np.random.get_state()  # noqa: NPY002 (Keras seeds the legacy global)
    saved_tf = context.global_seed()
    saved_keras = {
        name: global_state.get_global_attribute(name)
        for name in (GLOBAL_RANDOM_SEED, GLOBAL_SEED_GENERATOR)
    }
    keras.utils.set_random_seed(int(seed))
    try:
        yield
    finally:
        random.setstate(saved_python)
        np.random.set_state(saved_numpy)  # noqa: NPY002
        tf.random.set_seed(saved_tf)
        for name, value in saved_keras.items():
            global_state.set_global_attribute(name, value)


# Keras's TensorFlow optimizer sums gradients through `all_reduce`, which uses
# `tf.custom_gradient`. Every trace registers a `CustomGradient-<n>` entry in
# TensorFlow's global gradient registry whose closure holds the whole training graph,
# and nothing removes it: about 15 MB per fit (tensorflow/tensorflow#80895). An entry
# is only looked up while its own train step is being traced, so once no fit is
# running the entries are dead and can go. Fits in other threads defer the purge.
_GRADIENT_REGISTRY = tf_ops._gradient_registry._registry
_registry_lock = threading.Lock()
_active_fits = 0
_dead_entries: set[str] = set()


@contextlib.contextmanager
def released_training_graphs() -> Iterator[None]:
    """Drop the gradient-registry entries that Keras leaves behind in a fit."""
    global _active_fits
    with _registry_lock:
        before = set(_GRADIENT_REGISTRY)
        _active_fits += 1
    try:
        yield
    finally:
        with _registry_lock:
            _dead_entries.update(
                key
                for key in _GRADIENT_REGISTRY
                if key.startswith("CustomGradient-") and key not in before
            )
            _active_fits -= 1
            if _active_fits == 0:
                for key in _dead_entries:
                    _GRADIENT_REGISTRY.pop(key, None)
                _dead_entries.clear()


def _tracing_functions(function, depth: int = 3) -> Iterator:
    """The ``tf.function`` objects inside one of Keras's train or test closures."""
    if isinstance(function, tf.types.experimental.PolymorphicFunction):
        yield function
    if depth and getattr(function, "__closure__", None):
        for cell in function.__closure__:
            with contextlib.suppress(ValueError):  # an empty cell
                yield from _tracing_functions(cell.cell_contents, depth - 1)


def prepare_training_functions(model: keras.Model) -> None:
    """Build Keras's train and test functions, each counting its own traces.

    TensorFlow's retracing warning counts traces per Python code object, so the
    functions of successive models, which each trace once, add up across the folds
    of a cross-validation as if one function were retracing. Keying each function
    on itself keeps the warning for real retracing of one model's function.
    """
    model.make_train_function()
    model.make_test_function()
    for function in (model.train_function, model.test_function):
        for traced in _tracing_functions(function):
            traced._key_for_call_stats = traced


def drop_training_functions(model: keras.Model) -> None:
    """Release the traced training graphs, which hold the model in a cycle."""
    model.train_function = model.test_function = model.predict_function = None


def seed_from(random_state) -> int | None:
    """An int seed for Keras from ``random_state`` (None stays None)."""
    if random_state is None or isinstance(random_state, Integral):
        return random_state
    # A RandomState instance: draw without advancing the caller's generator, so that
    # the same instance gives the same fit each time (as scikeras does).
    state = np.random.RandomState()
    state.set_state(random_state.get_state())
    return int(state.randint(np.iinfo(np.int32).max))


def compiled_predict_function(model: keras.Model, input_shape: tuple, dtype) -> Callable:
    """A concrete TensorFlow function running ``model`` for inference, built once.

    A concrete function with a fixed signature runs one sequence in well under a
    millisecond and never retraces: it is not a ``tf.function``, so the folds of a
    cross-validation, each with its own model, do not trigger TensorFlow's
    retracing warning. It is cached on the Keras model, so it dies with the model
    and predict does not change the estimator.
    """
    function = getattr(model, "_sk_gru_predict_function", None)
    if function is not None:
        return function
    spec = tf.TensorSpec((None, *input_shape), dtype)

    def forward(x):
        return model(x, training=False)

    # An unrolled loop is a fifth faster for short sequences and gives the same
    # numbers; the layers keep their while-loop for training.
    recurrent = [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.GRU)
    ]
    for layer in recurrent:
        layer.unroll = input_shape[0] <= _MAX_UNROLLED_STEPS
    try:
        function = tf.function(forward, input_signature=[spec], autograph=False)
        function = function.get_concrete_function()
    finally:
        for layer in recurrent:
            layer.unroll = False
    model._sk_gru_predict_function = function
    return function
