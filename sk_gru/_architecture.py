"""The architecture of a fitted network: the one input its program and ``model_`` are built from.

An :class:`Architecture` is fixed when an estimator is fitted and pickled with it,
so that ``set_params`` without a refit never changes what ``predict`` and
``model_`` run. Its :attr:`~Architecture.key` names the cached training program:
two estimators share a program exactly when their architectures are equal.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from dataclasses import dataclass, field
from numbers import Real

import keras
import numpy as np

from ._network import build_gru_network
from ._training import Program, program_for

# Longest sequence whose large-batch inference unrolls the recurrence (see
# Program.infer): compiling the unrolled network grows with the steps, and it saves
# about half of each large predict (``python -m benchmarks.latency``).
_MAX_UNROLLED_STEPS = 32

# Longest sequence whose network trains unrolled on a CPU (through UnrolledGRU): a
# step takes a third to a half less than the rolled loop, while tracing grows with
# the steps; longer sequences are left to XLA (``python -m benchmarks.fit``).
_MAX_UNROLLED_TRAINING_STEPS = 32

# Optimizers whose fresh state depends on the weights they start from (Keras builds
# them on the model's weights at the first step); a program's optimizer is built once.
_UNSUPPORTED_OPTIMIZERS = ("ScheduleFreeAdamW",)


def hashable(value) -> Hashable:
    """A hashable stand-in for nested parameter values (lists become tuples)."""
    if isinstance(value, dict):
        return tuple(sorted((key, hashable(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(hashable(item) for item in value)
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.shape, value.tobytes())
    try:
        hash(value)
    except TypeError:
        return repr(value)
    return value


def _loss_key(loss) -> Hashable:
    if isinstance(loss, keras.losses.Loss):
        # Keras's wrapped losses leave some options out of get_config (Huber's delta).
        wrapped = (getattr(loss, "fn", None), hashable(getattr(loss, "_fn_kwargs", {})))
        return (type(loss), hashable(loss.get_config()), wrapped)
    return loss  # a function


def _optimizer_key(optimizer_class: type, config: dict) -> Hashable:
    # A float learning rate is data (a variable each fit assigns); a schedule is
    # traced into the update, so it stays in the key.
    drop = {"name"} | (
        {"learning_rate"} if isinstance(config.get("learning_rate"), Real) else set()
    )
    return (optimizer_class, hashable({k: v for k, v in config.items() if k not in drop}))


@dataclass(frozen=True, eq=False)
class Architecture:
    """Everything that changes a network's traced computation, fixed at fit.

    Compared by identity: ``key`` is what equal architectures share.

    Parameters
    ----------
    network : dict
        The keyword arguments of :func:`~sk_gru._network.build_gru_network`.
    loss : keras loss or callable
        The built loss.
    optimizer_class : type
        The optimizer's class.
    optimizer_config : dict
        The optimizer's ``get_config()``.
    """

    network: dict
    loss: object
    optimizer_class: type
    optimizer_config: dict
    key: Hashable = field(init=False, repr=False)

    def __post_init__(self) -> None:
        name = self.optimizer_class.__name__
        if name in _UNSUPPORTED_OPTIMIZERS:
            raise ValueError(
                f"The optimizer {name} is not supported: sk_gru trains through one "
                "compiled program per architecture, and this optimizer's starting "
                "state cannot be set from data. Use another keras optimizer."
            )
        key = (
            hashable(self.network),
            _loss_key(self.loss),
            _optimizer_key(self.optimizer_class, self.optimizer_config),
        )
        object.__setattr__(self, "key", key)

    def build_network(self, unroll: bool = False) -> keras.Model:
        """The uncompiled network, its recurrences unrolled if asked."""
        return build_gru_network(**self.network, unroll=unroll, seed=0)

    def build_optimizer(self) -> keras.optimizers.Optimizer:
        """A new, unbuilt optimizer."""
        # A copy: some from_config methods consume their config (LossScaleOptimizer).
        return self.optimizer_class.from_config(copy.deepcopy(self.optimizer_config))

    def program(self) -> Program:
        """The cached training and inference program of this architecture."""
        return program_for(self.key, self._make_program)

    def _make_program(self) -> Program:
        steps = self.network["input_shape"][0]
        return Program(
            self.build_network,
            self.loss,
            self.build_optimizer(),
            unroll_inference=steps <= _MAX_UNROLLED_STEPS,
            unroll_training=steps <= _MAX_UNROLLED_TRAINING_STEPS,
        )

    def model(self) -> keras.Model:
        """A compiled ``keras.Model`` of this architecture, its optimizer built."""
        model = self.build_network()
        model.compile(optimizer=self.build_optimizer(), loss=self.loss)
        model.optimizer.build(model.trainable_variables)
        return model

    def changes_from(self, other: Architecture) -> list[str]:
        """What differs from ``other``, as parameter names (read off the two keys)."""
        (network, loss, (optimizer_class, config)) = self.key
        (their_network, their_loss, (their_class, their_config)) = other.key
        mine, theirs = dict(network), dict(their_network)
        names = [name for name in sorted({*mine, *theirs}) if mine.get(name) != theirs.get(name)]
        if loss != their_loss:
            names.append("loss")
        if optimizer_class is not their_class:
            return [*names, "optimizer"]
        mine, theirs = dict(config), dict(their_config)
        names += [
            f"optimizer__{name}"
            for name in sorted({*mine, *theirs})
            if mine.get(name) != theirs.get(name)
        ]
        return names
