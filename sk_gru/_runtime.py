"""TensorFlow and Keras runtime repairs: threads, seeds and the gradient registry.

These work around defects of TensorFlow and Keras themselves (not of scikeras), in
one place; each says what goes wrong upstream.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from numbers import Integral

import numpy as np
import tensorflow as tf
from tensorflow.python.framework import ops as tf_ops


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


# Every trace of a `tf.custom_gradient` registers a `CustomGradient-<n>` entry in
# TensorFlow's global gradient registry whose closure holds the whole training graph,
# and nothing removes it: about 15 MB per fit (tensorflow/tensorflow#80895). sk_gru's
# traces register such entries through Keras's optimizer (its `all_reduce`) and
# through UnrolledGRU's gradient, one per layer, and per step where unrolled. An
# entry is only looked up while its own train step is being traced, so once no
# sk_gru fit is running its entries are dead and can go. Only entries registered
# by a thread while it runs an sk_gru fit are removed: code tracing in another
# thread meanwhile keeps its own.
class _RecordingRegistry(dict):
    """TensorFlow's gradient registry, noting the keys added by sk_gru's threads."""

    __slots__ = ()

    def __setitem__(self, key, value) -> None:
        super().__setitem__(key, value)
        if getattr(_this_thread, "registering", 0):
            _own_entries.add(key)


_this_thread = threading.local()
_own_entries: set[str] = set()
_registry_lock = threading.Lock()
_active_fits = 0
_registry = tf_ops._gradient_registry
if not isinstance(_registry._registry, _RecordingRegistry):
    _registry._registry = _RecordingRegistry(_registry._registry)


@contextlib.contextmanager
def released_training_graphs() -> Iterator[None]:
    """Drop the gradient-registry entries sk_gru's fits left, once none runs."""
    global _active_fits
    with _registry_lock:
        _active_fits += 1
    _this_thread.registering = getattr(_this_thread, "registering", 0) + 1
    try:
        yield
    finally:
        _this_thread.registering -= 1
        with _registry_lock:
            _active_fits -= 1
            if _active_fits == 0:
                for key in _own_entries:
                    _registry._registry.pop(key, None)
                _own_entries.clear()


def seed_from(random_state) -> int | None:
    """An int seed for Keras from ``random_state`` (None stays None)."""
    if random_state is None or isinstance(random_state, Integral):
        return random_state
    # A RandomState instance: draw without advancing the caller's generator, so that
    # the same instance gives the same fit each time (as scikeras does).
    state = np.random.RandomState()
    state.set_state(random_state.get_state())
    return int(state.randint(np.iinfo(np.int32).max))
