"""The architecture of a fitted network: the one input its program and ``model_`` are built from.

An :class:`Architecture` is fixed when an estimator is fitted and pickled with it,
so that ``set_params`` without a refit never changes what ``predict`` and
``model_`` run. Its :attr:`~Architecture.topology_key` names the cached training
program: two estimators share a program exactly when their architectures are equal
but for their widths, which are data to the program.
"""

from __future__ import annotations

import copy
from collections.abc import Hashable
from dataclasses import dataclass, field
from numbers import Integral, Real

import keras
import numpy as np

from ._network import build_gru_network
from ._training import Program, _on_cpu, program_for

# Longest sequence whose large-batch inference on a GPU unrolls the recurrence (see
# Program.infer): the unrolled network's trace grows with the steps.
_MAX_UNROLLED_STEPS = 32

# Longest sequence whose network trains unrolled on a CPU (through UnrolledGRU): a
# step takes a third to a half less than Keras's rolled loop, while tracing grows
# with the steps; longer sequences train through a loop (UnrolledGRU's where widths
# are data, else Keras's), which XLA compiles for long fits
# (``python -m benchmarks.fit``).
_MAX_UNROLLED_TRAINING_STEPS = 32

# Optimizers whose fresh state depends on the weights they start from (Keras builds
# them on the model's weights at the first step); a program's optimizer is built once.
_UNSUPPORTED_OPTIMIZERS = ("ScheduleFreeAdamW",)

# The network's widths: data to a program, which one trace serves at any of them
# (see WidthRules in _training). ``python -m benchmarks.grid_search`` times a
# search over them.
_WIDTHS = (
    "units",
    "dense_units",
    "conv_filters",
    "embedding_dim",
    "vocabulary_size",
    "n_outputs",
)


# Optimizer settings whose update branches on a variable's static shape.
_FIXED_WIDTH_OPTIMIZERS = ("Muon",)


def _widths_are_data(network: dict, optimizer_class: type, optimizer_config: dict) -> bool:
    """Whether a program can take the network's widths (and its input dropout's
    rate) as data: where its recurrences train and infer through UnrolledGRU,
    unrolled or rolled, whose steps read their width and rate at run time (Keras's
    GRU slices by a fixed width, and recurrent dropout goes through it), and its
    optimizer's update reads no static shape. The convolution front end's filters
    are data too (its Conv1D adds its bias by broadcasting)."""
    return (
        _on_cpu()
        and not network["recurrent_dropout"]
        and optimizer_class.__name__ not in _FIXED_WIDTH_OPTIMIZERS
        and not optimizer_config.get("gradient_accumulation_steps")
    )


def _width_slots(network: dict) -> list[tuple[str, int | None]]:
    """Each width of ``network``: a parameter's name, and its index in a sequence."""
    slots = []
    for name in _WIDTHS:
        value = network.get(name)
        if isinstance(value, Integral):
            slots.append((name, None))
        elif value is not None:
            slots += [(name, index) for index in range(len(value))]
    return slots


def _with_widths(network: dict, slots, widths) -> dict:
    """``network`` with its widths replaced, in the order of ``slots``."""
    network = {
        name: list(value) if isinstance(value, list | tuple) else value
        for name, value in network.items()
    }
    for (name, index), width in zip(slots, widths, strict=True):
        if index is None:
            network[name] = width
        else:
            network[name][index] = width
    return {name: tuple(v) if isinstance(v, list) else v for name, v in network.items()}


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


def loss_key(loss) -> Hashable:
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
    topology_key: Hashable = field(init=False, repr=False)
    widths: tuple[int, ...] = field(init=False, repr=False)
    _slots: list = field(init=False, repr=False)

    def __post_init__(self) -> None:
        name = self.optimizer_class.__name__
        if name in _UNSUPPORTED_OPTIMIZERS:
            raise ValueError(
                f"The optimizer {name} is not supported: sk_gru trains through one "
                "compiled program per architecture, and this optimizer's starting "
                "state cannot be set from data. Use another keras optimizer."
            )
        rest = (
            loss_key(self.loss),
            _optimizer_key(self.optimizer_class, self.optimizer_config),
        )
        data = _widths_are_data(self.network, self.optimizer_class, self.optimizer_config)
        slots = _width_slots(self.network) if data else []
        widths = tuple(
            int(self.network[name] if index is None else self.network[name][index])
            for name, index in slots
        )
        template = _with_widths(self.network, slots, (0,) * len(slots))
        if data:  # the input dropout's rate is data too; whether it drops is not
            template["dropout"] = template["dropout"] > 0
        object.__setattr__(self, "key", (hashable(self.network), *rest))
        object.__setattr__(self, "topology_key", (hashable(template), *rest))
        object.__setattr__(self, "widths", widths)
        object.__setattr__(self, "_slots", slots)

    def build_network(self, unroll: bool = False) -> keras.Model:
        """The uncompiled network, its recurrences unrolled if asked."""
        return build_gru_network(**self.network, unroll=unroll, seed=0)

    def _build_at(self, widths: tuple[int, ...], unroll: bool = False) -> keras.Model:
        network = _with_widths(self.network, self._slots, widths)
        return build_gru_network(**network, unroll=unroll, seed=0)

    def build_optimizer(self) -> keras.optimizers.Optimizer:
        """A new, unbuilt optimizer."""
        # A copy: some from_config methods consume their config (LossScaleOptimizer).
        return self.optimizer_class.from_config(copy.deepcopy(self.optimizer_config))

    def program(self) -> Program:
        """The cached training and inference program of this architecture's topology:
        the same for every width."""
        return program_for(self.topology_key, self._make_program)

    def _make_program(self) -> Program:
        steps = self.network["input_shape"][0]
        return Program(
            self._build_at,
            self.loss,
            self.build_optimizer,
            unroll_inference=steps <= _MAX_UNROLLED_STEPS,
            unroll_training=steps <= _MAX_UNROLLED_TRAINING_STEPS,
            n_widths=len(self.widths),
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
