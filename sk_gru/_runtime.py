"""TensorFlow and Keras runtime repairs: threads, seeded batches, memory, tracing, predict.

These work around defects of TensorFlow and Keras themselves (not of scikeras), in
one place; each says what goes wrong upstream.
"""

from __future__ import annotations

import contextlib
import gc
import os
import threading
from collections.abc import Callable, Iterator
from numbers import Integral

import keras
import numpy as np
import tensorflow as tf
from tensorflow.python.eager import context
from tensorflow.python.framework import ops as tf_ops

# Longest sequence whose recurrence the predict function unrolls into a flat graph,
# and the calls a model serves before it gets that graph.
_MAX_UNROLLED_STEPS = 64
_CALLS_BEFORE_UNROLLING = 2


def limit_threads_to_worker_share() -> None:
    """Give TensorFlow the thread budget that a parallel worker was launched with.

    joblib's loky workers get ``OMP_NUM_THREADS`` set to their share of the cores
    (cores // n_jobs), and Dask's nannies set it to 1, but TensorFlow ignores it and
    starts a thread per core in every worker, so two workers on two cores run four
    busy threads. TensorFlow reads only its own ``TF_NUM_INTRAOP_THREADS``, and only
    before its runtime starts; this runs when sk_gru is imported, which in a worker
    is when the first estimator is unpickled.
    """
    if "TF_NUM_INTRAOP_THREADS" in os.environ:
        return
    try:
        threads = int(os.environ.get("OMP_NUM_THREADS", ""))
    except ValueError:
        return
    if threads < 1:
        return
    with contextlib.suppress(RuntimeError):  # the runtime already started: too late
        if tf.config.threading.get_intra_op_parallelism_threads() == 0:
            tf.config.threading.set_intra_op_parallelism_threads(threads)
            tf.config.threading.set_inter_op_parallelism_threads(threads)


# Keras's TensorFlow optimizer sums gradients through `all_reduce`, which uses
# `tf.custom_gradient`. Every trace registers a `CustomGradient-<n>` entry in
# TensorFlow's global gradient registry whose closure holds the whole training graph,
# and nothing removes it: about 15 MB per fit (tensorflow/tensorflow#80895). An entry
# is only looked up while its own train step is being traced, so once no fit is
# running the entries are dead and can go. Fits in other threads defer the purge.
# TensorFlow also caches an eager kernel for every distinct op it runs, and each new
# model's variables make new ones: about 1 MB per fit. Only `tf.random.set_seed`
# clears that cache (as a side effect), so a fit that does not reseed must clear it.
_GRADIENT_REGISTRY = tf_ops._gradient_registry._registry
_registry_lock = threading.Lock()
_active_fits = 0
_dead_entries: set[str] = set()


@contextlib.contextmanager
def released_training_graphs() -> Iterator[None]:
    """Drop the gradient-registry entries and cached kernels a fit leaves behind."""
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
                context.context().clear_kernel_cache()


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

    Without a distribution strategy, Keras defers building the optimizer to the
    first trace of the train step. A ``tf.function`` that creates variables is
    traced twice, so every fit paid for a second trace (about a second on two
    cores). Building the optimizer here first makes that one trace.
    """
    if not model.optimizer.built:
        model.optimizer.build(model.trainable_variables)
    model.make_train_function()
    model.make_test_function()
    for function in (model.train_function, model.test_function):
        for traced in _tracing_functions(function):
            traced._key_for_call_stats = traced


# A full garbage collection in a process that has imported TensorFlow takes about
# 250 ms on two cores; one per this many released models keeps that under 5 % of the
# fits' time while bounding the graphs that wait for collection.
_COLLECT_EVERY = 8
_released_since_collection = 0


def drop_training_functions(model: keras.Model) -> None:
    """Release the traced training graphs, and collect them every few fits.

    A Keras model and its traced graphs (several MB each) form reference cycles, so
    only the cyclic garbage collector frees them. CPython runs a full collection only
    once the objects that survived since the last one reach a quarter of all
    long-lived objects, and TensorFlow and Keras hold some 400 000 of those, so
    discarded models pile up: about 5 MB per fit. Collecting every few fits keeps
    that bounded.
    """
    global _released_since_collection
    model.train_function = model.test_function = model.predict_function = None
    with _registry_lock:
        _released_since_collection += 1
        collect = _released_since_collection >= _COLLECT_EVERY
        if collect:
            _released_since_collection = 0
    if collect:
        gc.collect()


def training_batches(
    arrays: tuple[np.ndarray, ...],
    batch_size: int,
    shuffle: bool,
    seed: int | None,
    first_epoch: int = 0,
) -> tuple[tf.data.Dataset, int]:
    """Endless mini-batches of ``arrays`` for ``model.fit``, and the steps per epoch.

    Keras shuffles arrays with an unseeded ``tf.random.shuffle``, so a reproducible
    fit would need TensorFlow's process-wide seed, which fits in other threads share
    and overwrite; and a seeded ``tf.data`` shuffle still mixes in that global seed,
    so a user's ``tf.random.set_seed`` would change a seeded fit. Here epoch ``e``
    is ordered by a stateless shuffle keyed on ``(seed, e)`` alone, and batches are
    gathered by index as Keras does. Epochs count from ``first_epoch``, so that
    successive ``partial_fit`` calls shuffle as one long fit does.
    """
    n_samples = len(arrays[0])
    if seed is None:
        seed = int(np.random.default_rng().integers(np.iinfo(np.int32).max))

    def epoch_batches(epoch):
        order = tf.range(n_samples, dtype=tf.int64)
        if shuffle:
            key = tf.stack([tf.constant(seed, tf.int64), epoch])
            order = tf.random.experimental.stateless_shuffle(order, seed=key)
        return tf.data.Dataset.from_tensor_slices(order).batch(batch_size)

    # An endless range, not Dataset.counter: each counter leaves two traced
    # functions behind in the eager context.
    indices = tf.data.Dataset.range(first_epoch, np.iinfo(np.int64).max).flat_map(epoch_batches)
    data = tf.data.Dataset.from_tensors(arrays).repeat()
    batches = (
        tf.data.Dataset.zip(indices, data)
        .map(lambda batch, data: tuple(tf.gather(array, batch) for array in data))
        .prefetch(tf.data.AUTOTUNE)
    )
    return batches, -(-n_samples // batch_size)


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
    """A concrete TensorFlow function running ``model`` for inference.

    A concrete function with a fixed signature runs one sequence in well under a
    millisecond and never retraces: it is not a ``tf.function``, so the folds of a
    cross-validation, each with its own model, do not trigger TensorFlow's
    retracing warning. It is cached on the Keras model, so it dies with the model
    and predict does not change the estimator.

    Unrolling the recurrence of a short sequence makes each call about a third
    faster but costs half a second more to trace, which a model scored once in a
    cross-validation fold never earns back. So the first calls use the loop, and
    a model that keeps predicting gets the unrolled graph (the same numbers).
    """
    calls = getattr(model, "_sk_gru_predict_calls", 0)
    if calls <= _CALLS_BEFORE_UNROLLING:  # counting stops once the graph is final
        model._sk_gru_predict_calls = calls = calls + 1
    function = getattr(model, "_sk_gru_predict_function", None)
    unroll = calls > _CALLS_BEFORE_UNROLLING and input_shape[0] <= _MAX_UNROLLED_STEPS
    if function is not None and unroll == model._sk_gru_predict_unrolled:
        return function
    spec = tf.TensorSpec((None, *input_shape), dtype)

    def forward(x):
        return model(x, training=False)

    recurrent = [
        layer
        for layer in model._flatten_layers(include_self=False)
        if isinstance(layer, keras.layers.GRU)
    ]
    for layer in recurrent:  # the layers keep their loop for training
        layer.unroll = unroll
    try:
        function = tf.function(forward, input_signature=[spec], autograph=False)
        function = function.get_concrete_function()
    finally:
        for layer in recurrent:
            layer.unroll = False
    model._sk_gru_predict_function = function
    model._sk_gru_predict_unrolled = unroll
    return function
