"""The training core: one traced program per network topology, reused across fits.

``keras.Model.fit`` traces a new train step for every new model, and each trace
costs about half a second on two cores, whatever the data size; a grid search or a
cross-validation of small networks spent almost all of its time tracing. Here a
:class:`Program` holds one template network per topology (everything that changes
the graph: input shape and dtype, layers, masking, head, loss and optimizer
class), with a compiled whole-epoch train loop, an evaluation loop and an
inference function. Everything else is data: each fit assigns its own initial
weights, zeroed optimizer state and learning rate to the template's variables,
runs its epochs, and reads the weights back out, so a second fit of the same
topology traces nothing, and the first traces what it can while its first epoch
runs (:meth:`Program._first_calls`). Where the recurrences go through
``UnrolledGRU`` (on a CPU, without recurrent dropout; its steps unrolled up to
32 steps, in a loop beyond), the widths and the input dropout's rate are data
too: the template's variables take any width (:class:`WidthRules`), so a search
over ``units``, ``conv_filters`` or ``dropout`` traces once
(``python -m benchmarks.grid_search``). Programs live in a small
least-recently-used cache.

The cost of a fit of an architecture already traced, against ``keras.Model.fit``
and skorch, is measured by ``python -m benchmarks.fit``.

Inference calls ``stateless_call`` with an estimator's own weights as arguments, so
estimators that share a program never share state; fits of one architecture in
several threads take the program's lock in turn.

On a CPU, short sequences train through the unrolled network (``unroll_training``,
up to ``_MAX_UNROLLED_TRAINING_STEPS`` in ``_architecture``), which takes less per
step than the rolled loop. XLA (CPU only: Keras's cuDNN kernel does not compile
under it) is used where it pays: inference always, compiled once per padded batch
size (see :meth:`Program.infer`); rolled training once a fit has run
``_XLA_STEPS`` full-batch steps, since compiling the step costs more than a short
fit saves; unrolled training never, since its compile takes longer still and
would pay back only after thousands of steps (``python -m benchmarks.fit``).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import keras
import numpy as np
import tensorflow as tf

from ._network import UnrolledGRU, roll
from ._runtime import released_training_graphs

# Architectures whose programs stay traced; a grid search rarely has more at once.
_CACHE_SIZE = 16

# Full-batch steps a fit of a rolled network runs before its remaining epochs go
# through XLA (unrolled networks never do: see the module docstring). A rule on
# steps planned would compile for fits that early stopping then cuts short;
# counting steps run bounds that loss, as a ski-rental rule does: a fit compiles
# only after it has spent several times the compile cost. Steps, not seconds, so
# that the same fit takes the same path on any machine.
_XLA_STEPS = 2000

# Most rows per inference call; bounds memory on huge inputs.
_MAX_ROWS = 4096

# Fewest (padded) rows for which inference takes the unrolled network on a GPU,
# and on a CPU, where widths are data, XLA again (it runs 800 rows in a third of
# the uncompiled time); padded sizes grow by finer steps from here.
_UNROLL_MIN_ROWS = 512

# Where widths are data, most (padded) rows that still infer through XLA: a
# compile per width pays back for small batches, which XLA serves in about half
# the time; from here to _UNROLL_MIN_ROWS the uncompiled network takes about as
# long (``python -m benchmarks.latency``), and a search's scoring folds compile
# nothing. Batches on either side differ by rounding only (about 1e-7).
_XLA_MAX_SMALL_ROWS = 32


def padded_rows(n_rows: int) -> int:
    """The rows a chunk of ``n_rows`` is zero-padded to: the next power of two, and
    above ``_UNROLL_MIN_ROWS`` the next quarter of the way to it (640, 768, 896,
    1024, 1280 and so on).

    XLA compiles once per shape, so the shapes are few: at most 22 up to
    ``_MAX_ROWS``. Small batches cost about the same padded or not; large ones cost
    in proportion to their rows, so there the steps are finer
    (``python -m benchmarks.latency``).
    """
    power = 1 << (n_rows - 1).bit_length()
    if power <= _UNROLL_MIN_ROWS:
        return power
    step = power // 8  # a quarter of the power of two below
    return -(-n_rows // step) * step


def padded_chunks(x: np.ndarray):
    """Yield ``(chunk, n_rows)``: ``x`` in chunks of at most ``_MAX_ROWS`` rows, each
    zero-padded to :func:`padded_rows`, with its number of real rows."""
    for start in range(0, len(x), _MAX_ROWS):
        chunk = x[start : start + _MAX_ROWS]
        n_rows = len(chunk)
        rows = padded_rows(n_rows)
        if rows > n_rows:
            padding = np.zeros((rows - n_rows, *chunk.shape[1:]), dtype=chunk.dtype)
            chunk = np.concatenate([chunk, padding])
        yield chunk, n_rows


def _call(function, *tensors):
    """Call a concrete function with its flat tensor arguments.

    ``_call_flat`` skips binding the arguments to the signature and casting each to
    its spec, a large share of a small fit's and a one-sequence predict's Python
    time (``python -m benchmarks.latency``).
    """
    return function._call_flat(list(tensors), function.captured_inputs)


def _concrete(function, signature=None, **options):
    """``function`` traced once into a concrete function, without autograph.

    Every loop here is an explicit ``tf.while_loop``: converting the code with
    autograph made each trace slower. Called as concrete functions,
    TensorFlow's retracing warning (which counts the calls of every program's
    ``tf.function`` as one, by code object) cannot fire across architectures.
    """
    return tf.function(
        function, input_signature=signature, autograph=False, **options
    ).get_concrete_function()


def _on_cpu() -> bool:
    """No GPU in sight. XLA and unrolled training are for the CPU only: on a GPU,
    Keras runs the recurrence through cuDNN, which neither compiles under XLA nor
    runs unrolled."""
    return not tf.config.list_logical_devices("GPU")


# The width a program's template is built at; its rules probe one more.
_TEMPLATE_WIDTH = 2


class WidthRules:
    """How a program's variable shapes follow its network's widths.

    Every dimension that a width changes is a sum of that width's multiples: a GRU
    of ``u`` units has a recurrent kernel of ``(u, 3u)``; a layer after a
    bidirectional one reads ``2u`` features. The rules are read off networks built
    at the template's widths and at each width one larger, and checked on one more
    network, once per program. Such dimensions become unknown (``None``) in the
    template's variables and the optimizer's, so that the traced functions serve
    every width; each fit assigns values of its own shapes.

    Parameters
    ----------
    build : callable
        ``build(widths, unroll=False)``: the network of those widths.
    optimizer : callable
        Returns a new, unbuilt optimizer.
    n_widths : int
        How many widths ``build`` takes.
    unroll : bool
        Build the networks unrolled (as the program's template is).

    Attributes
    ----------
    model : keras.Model
        The network at the template's widths, for the program to take.
    """

    def __init__(self, build, optimizer, n_widths: int, unroll: bool) -> None:
        self.template = (_TEMPLATE_WIDTH,) * n_widths

        def shapes(widths):
            model = build(widths, unroll=unroll)
            built = optimizer()
            built.build(model.trainable_variables)
            return [tuple(v.shape) for v in (*model.variables, *built.variables)], model

        base, self.model = shapes(self.template)
        self._n_model = len(self.model.variables)
        self._base = base
        self.data = n_widths > 0  # whether any width is data
        self._steps = []  # per width: each variable's change per unit of that width
        for index in range(n_widths):
            probe = list(self.template)
            probe[index] += 1
            grown, _ = shapes(tuple(probe))
            self._steps.append(
                [
                    np.array(g, np.int64) - np.array(b, np.int64)
                    for g, b in zip(grown, base, strict=True)
                ]
            )
        if n_widths:
            check = tuple(width + 3 for width in self.template)
            if shapes(check)[0] != self._shapes(check):
                raise RuntimeError("A network's shapes are not sums of its widths' multiples.")

    def _shapes(self, widths: tuple[int, ...]) -> list[tuple[int, ...]]:
        shapes = [np.array(shape, dtype=np.int64) for shape in self._base]
        for steps, width, template in zip(self._steps, widths, self.template, strict=True):
            for shape, step in zip(shapes, steps, strict=True):
                shape += step * (width - template)
        return [tuple(int(d) for d in shape) for shape in shapes]

    def model_shapes(self, widths: tuple[int, ...]) -> list[tuple[int, ...]]:
        """The shapes of the network's variables at ``widths``."""
        return self._shapes(widths or self.template)[: self._n_model]

    def fresh(self, values: list[np.ndarray], widths: tuple[int, ...]) -> list[np.ndarray]:
        """A fresh optimizer's state at ``widths``, from the template's: each of its
        variables starts filled with one value (zeros, or Adagrad's accumulator)."""
        if not self._steps:
            return list(values)
        shapes = self._shapes(widths)[self._n_model :]
        fresh = []
        for value, shape in zip(values, shapes, strict=True):
            if value.shape != shape:
                if not np.all(value == value.flat[0]):
                    raise RuntimeError("A fresh optimizer variable is not filled with one value.")
                value = np.full(shape, value.flat[0], value.dtype)
            fresh.append(value)
        return fresh

    def _free_shapes(self, count: int, offset: int = 0) -> list[tuple]:
        free = [False] * len(self._base)
        for steps in self._steps:
            free = [f | (step != 0) for f, step in zip(free, steps, strict=True)]
        shapes = [
            tuple(None if f else int(d) for f, d in zip(flags, base, strict=True))
            for flags, base in zip(free, self._base, strict=True)
        ]
        return shapes[offset : offset + count]

    def free(self, model: keras.Model, optimizer=None) -> None:
        """Make the widths of ``model``'s (and ``optimizer``'s) variables unknown."""
        if not self._steps:
            return
        _free(model.variables, self._free_shapes(self._n_model))
        for layer in model._flatten_layers(include_self=False):
            layer.input_spec = None  # it holds the template's widths
        # Callbacks restore weights through set_weights, which compares shapes
        # strictly; assign takes any width.
        model.set_weights = functools.partial(_assign_weights, model)
        if optimizer is not None:
            _free(optimizer.variables, self._free_shapes(len(optimizer.variables), self._n_model))
            # Keras finds a variable's slots by its backing variable, replaced above.
            for inner in (optimizer, getattr(optimizer, "inner_optimizer", None)):
                if inner is not None and hasattr(inner, "_trainable_variables_indices"):
                    inner._trainable_variables_indices = {
                        inner._var_key(v): i for i, v in enumerate(inner._trainable_variables)
                    }


def _assign_weights(model: keras.Model, weights: list[np.ndarray]) -> None:
    for variable, value in zip(model.weights, weights, strict=True):
        variable.assign(value)


def _free(variables, shapes) -> None:
    """Give each Keras variable a backing ``tf.Variable`` of ``shape`` (None where
    the dimension is a width), keeping its value."""
    for variable, shape in zip(variables, shapes, strict=True):
        if None not in shape:
            continue
        backing = variable._value
        variable._value = tf.Variable(
            backing.read_value(),
            shape=tf.TensorShape(shape),
            dtype=backing.dtype,
            trainable=backing.trainable,
            name=backing.name.split(":")[0],
        )
        variable._shape = shape


@dataclass
class NetworkState:
    """The weights of one fitted network, and its optimizer's state (NumPy arrays)."""

    variables: list[np.ndarray]
    optimizer_variables: list[np.ndarray] | None = None
    _tensors: tuple | None = field(default=None, repr=False, compare=False)

    def inference_arguments(self, program: Program) -> tuple[list, list]:
        """The trainable and non-trainable weights as tensors, converted once."""
        if self._tensors is None:
            trainable = [tf.constant(self.variables[i]) for i in program.trainable_indices]
            other = [tf.constant(self.variables[i]) for i in program.non_trainable_indices]
            self._tensors = (trainable, other)
        return self._tensors

    def __getstate__(self) -> dict:
        return {**vars(self), "_tensors": None}


class Program:
    """A template network with its compiled training and inference functions.

    Where its architecture allows, the template's widths (GRU units, dense widths,
    embedding size and vocabulary) are data: its variables take any width, each
    fit assigns weights of its own widths, and one trace serves them all
    (:class:`WidthRules`).

    Parameters
    ----------
    build : callable
        ``build(widths, unroll=False)`` returns the (uncompiled) network of those
        widths, its recurrences unrolled if asked.
    loss : keras loss or callable
        The loss, called as ``loss(y_true, y_pred, sample_weight=...)``.
    optimizer : callable
        Returns a new, unbuilt optimizer; the program owns the first.
    n_widths : int, default=0
        How many widths ``build`` takes.
    unroll_inference : bool, default=False
        On a GPU, infer large batches through an unrolled copy of the network (see
        :meth:`infer`). For short sequences only: its compile time grows with the
        steps.
    unroll_training : bool, default=False
        Train the unrolled network (on a CPU; see ``_MAX_UNROLLED_TRAINING_STEPS``
        in ``_architecture``). For short sequences only: tracing grows with the steps.
    """

    def __init__(
        self,
        build: Callable[..., keras.Model],
        loss,
        optimizer: Callable[[], keras.optimizers.Optimizer],
        unroll_inference: bool = False,
        unroll_training: bool = False,
        n_widths: int = 0,
    ) -> None:
        self._unroll_inference = unroll_inference
        self._on_cpu = _on_cpu()
        self._unrolled = unroll_training and self._on_cpu
        # Where widths are data, longer sequences train through UnrolledGRU's
        # rolled loop: Keras's GRU reads its width in Python.
        self._rolled = n_widths > 0 and not self._unrolled
        self._xla_training = self._on_cpu and not self._unrolled
        self.widths = WidthRules(build, optimizer, n_widths, unroll=self._unrolled or self._rolled)
        self._build = functools.partial(build, self.widths.template)
        self.model = self.widths.model
        if self._rolled:
            roll(self.model)
        self.optimizer = optimizer()
        self.model.compile(optimizer=self.optimizer, loss=loss)  # for callbacks
        self.optimizer.build(self.model.trainable_variables)
        # A fresh optimizer's state as Keras builds it: Adagrad's accumulators start
        # at initial_accumulator_value, Nadam's momentum product at 1.
        self._fresh_optimizer = [np.array(v.numpy()) for v in self.optimizer.variables]
        self.widths.free(self.model, self.optimizer)
        # Where widths are data, so is the input dropout's rate (0 < rate < 1).
        self._dropout = None
        if self.widths.data:
            grus = [
                layer
                for layer in self.model._flatten_layers(include_self=False)
                if isinstance(layer, UnrolledGRU) and layer.cell.dropout > 0
            ]
            if grus:
                self._dropout = tf.Variable(0.0, trainable=False, name="dropout_rate")
            for layer in grus:
                layer.dropout_rate = self._dropout
        self.loss = loss if isinstance(loss, keras.losses.Loss) else _wrap_loss(loss)
        self.lock = threading.RLock()
        self._building = threading.RLock()  # of inference functions
        variables = self.model.variables
        position = {id(v): i for i, v in enumerate(variables)}
        self.trainable_indices = [position[id(v)] for v in self.model.trainable_variables]
        self.non_trainable_indices = [position[id(v)] for v in self.model.non_trainable_variables]
        x_spec = tf.TensorSpec((None, *self.model.input_shape[1:]), self.model.inputs[0].dtype)
        self._x_spec = x_spec
        # The training functions of each kind of target (its dtype and columns).
        self._trained: dict[tf.TensorSpec, dict[str, Callable]] = {}
        self._functions: dict[str, Callable] = {}
        self._infer: dict[tuple[bool, bool], Callable] = {}

    # -- weights ---------------------------------------------------------------------

    def initial_variables(self, seed: int, widths: tuple[int, ...] = ()) -> list[np.ndarray]:
        """Fresh initial values of every variable of a network of ``widths``, drawn
        from ``seed`` alone."""
        rng = np.random.default_rng(seed)
        shapes = self.widths.model_shapes(widths)
        shapes = dict(zip(map(id, self.model.variables), shapes, strict=True))
        values: dict[int, np.ndarray] = {}
        for layer in self.model._flatten_layers(include_self=False):
            for variable in layer._trainable_variables + layer._non_trainable_variables:
                initializer = _initializer_of(layer, variable)
                values[id(variable)] = _draw(initializer, shapes[id(variable)], rng).astype(
                    variable.dtype
                )
            for generator in layer._seed_generators:
                state = np.array([rng.integers(2**31 - 1), 0])
                values[id(generator.state)] = state.astype(generator.state.dtype)
        return [values[id(v)] for v in self.model.variables]

    def _state_functions(self) -> None:
        """One compiled call each to set and to read every variable of a fit.

        Twenty-odd eager ``assign`` and ``numpy`` calls cost more than the training
        of a small network.
        """
        variables = [*self.model.variables, *self.optimizer.variables]
        specs = [tf.TensorSpec(v.shape, v.dtype) for v in variables]

        def assign(values):
            for variable, value in zip(variables, values, strict=True):
                variable.assign(value)
            return tf.constant(0)

        def read():
            return [tf.identity(v.value) for v in variables]

        self._assign = _concrete(assign, [specs])
        self._read = _concrete(read)
        rate = getattr(self.optimizer, "_learning_rate", None)
        positions = [i for i, v in enumerate(self.optimizer.variables) if v is rate]
        self._rate_position = positions[0] if positions else None

    def load(
        self, state: NetworkState, learning_rate: float | None = None, widths: tuple[int, ...] = ()
    ) -> None:
        """Set the network's and the optimizer's variables from ``state`` (a network
        of ``widths``)."""
        optimizer = state.optimizer_variables
        if optimizer is None:
            optimizer = self.widths.fresh(self._fresh_optimizer, widths)
            if self._rate_position is not None:
                dtype = optimizer[self._rate_position].dtype
                optimizer[self._rate_position] = np.asarray(learning_rate, dtype)
        _call(self._assign, *[tf.constant(value) for value in (*state.variables, *optimizer)])

    def read(self) -> NetworkState:
        """The network's and the optimizer's variables as a new state."""
        values = [value.numpy() for value in _call(self._read)]
        n = len(self.model.variables)
        return NetworkState(values[:n], values[n:])

    # -- compiled functions ---------------------------------------------------------------

    def _compile_training(self, y_spec: tf.TensorSpec) -> None:
        model, loss, optimizer = self.model, self.loss, self.optimizer
        signature = [
            self._x_spec,
            y_spec,
            tf.TensorSpec((None,), tf.float32),
            tf.TensorSpec((None,), tf.int32),
            tf.TensorSpec((), tf.int32),
        ]

        def batch_at(arrays, order, step, batch_size):
            n = tf.shape(order)[0]
            rows = order[step * batch_size : tf.minimum((step + 1) * batch_size, n)]
            return [tf.gather(array, rows) for array in arrays]

        def train_step(xb, yb, wb):
            with tf.GradientTape() as tape:
                predicted = model(xb, training=True)
                value = loss(yb, predicted, sample_weight=wb)
                scaled = optimizer.scale_loss(value)  # as keras.Model.train_step
            gradients = tape.gradient(scaled, model.trainable_variables)
            optimizer.apply(gradients, model.trainable_variables)
            return tf.cast(value, tf.float32) * tf.cast(tf.shape(xb)[0], tf.float32)

        def epoch_of(step, xla: bool):
            # Every batch through step; under XLA only the full ones, since the last,
            # smaller batch's shape changes with the data size and XLA would compile
            # it anew: it goes through the plain step. Without XLA, one call site
            # keeps the graph small for Grappler, which optimises it on the first
            # call in about half the time two call sites take.
            def train_epoch(x, y, w, order, batch_size):
                n = tf.shape(order)[0]
                looped = n // batch_size if xla else (n + batch_size - 1) // batch_size

                def body(index, total):
                    batch = batch_at((x, y, w), order, index, batch_size)
                    return index + 1, total + step()(*batch)

                _, total = tf.while_loop(
                    lambda index, total: index < looped, body, (tf.constant(0), tf.constant(0.0))
                )
                if xla:
                    last = batch_at((x, y, w), order, looped, batch_size)
                    total = tf.cond(
                        n > looped * batch_size, lambda: total + plain_step()(*last), lambda: total
                    )
                return total / tf.cast(n, tf.float32)

            return train_epoch

        def evaluate(x, y, w, order, batch_size):
            n = tf.shape(order)[0]

            def body(step, total):
                xb, yb, wb = batch_at((x, y, w), order, step, batch_size)
                value = loss(yb, model(xb, training=False), sample_weight=wb)
                return step + 1, total + tf.cast(value, tf.float32) * tf.cast(
                    tf.shape(xb)[0], tf.float32
                )

            steps = (n + batch_size - 1) // batch_size
            _, total = tf.while_loop(
                lambda step, total: step < steps, body, (tf.constant(0), tf.constant(0.0))
            )
            return total / tf.cast(n, tf.float32)

        def traced(function, signature, **options):
            # Traced when first needed, then kept.
            return functools.cache(lambda: _concrete(function, signature, **options))

        # The step is one function, called by both epoch loops: traced inline, it
        # was traced twice per epoch loop (full batches and the last one).
        plain_step = traced(train_step, signature[:3])
        xla_step = traced(train_step, signature[:3], jit_compile=True)
        self._trained[y_spec] = {
            "epoch": traced(epoch_of(plain_step, xla=False), signature),
            "xla epoch": traced(epoch_of(xla_step, xla=True), signature),
            "evaluate": traced(evaluate, signature),
        }

    def _first_calls(self, evaluating: tuple | None) -> Callable[[], None] | None:
        """What a program's first fit can trace while its first epoch runs, or None.

        The first epoch call spends a good part of a second in C++ with the GIL
        released (TensorFlow optimises the graph, then runs it), time in which
        Python can trace the evaluation and the inference functions, and TensorFlow
        optimise the evaluation, the read function and the uncompiled inference
        function on their first calls. Those calls only read the weights; their
        results are dropped. A first fit with validation takes about a quarter less
        (the cold rows of ``python -m benchmarks.fit``).
        """
        # Keras's recurrent cells draw their dropout masks even when not training, so
        # an evaluation advances the seed generators: beside the first epoch it would
        # change that fit's later masks, and how depends on which thread ran first.
        evaluation = (
            evaluating is not None
            and not self._functions["evaluate"].cache_info().currsize
            and not any(
                layer._seed_generators for layer in self.model._flatten_layers(include_self=False)
            )
        )
        # Where widths are data, a search's scoring folds (33 to 511 rows) take a
        # path of their own: ready it here rather than at the first score.
        sizes = (1, _XLA_MAX_SMALL_ROWS + 1) if self.widths.data else (1,)
        paths = {self._inference_path(rows) for rows in sizes} - self._infer.keys()
        if not evaluation and not paths:
            return None

        def first_calls():
            if evaluation:
                _call(self._function("evaluate"), *evaluating)
            values = _call(self._read)  # its first call, optimised, outside the fit's end
            weights = [values[i] for i in (*self.trainable_indices, *self.non_trainable_indices)]
            rows = tf.zeros((1, *self._x_spec.shape[1:]), self._x_spec.dtype)
            for path in paths:
                function = self._inference_function(path)
                if not path[1]:  # uncompiled: optimised on its first call too
                    _call(function, *weights, rows)

        return first_calls

    def _function(self, name: str):
        """The compiled function ``name`` ("epoch", "xla epoch" or "evaluate")."""
        return self._functions[name]()

    def infer(self, state: NetworkState, x: np.ndarray) -> np.ndarray:
        """The network's outputs for ``x`` with the weights of ``state``.

        On a CPU, calls go through XLA, which compiles once per input shape and
        takes a third of the time of an uncompiled call, so the rows are
        zero-padded (see :func:`padded_rows`; in chunks of at most ``_MAX_ROWS``):
        an architecture compiles at most 22 shapes. The network XLA compiles is
        ``UnrolledGRU``'s rolled loop: it compiles in a third to a fifth of the
        time of the unrolled steps and runs as fast (``benchmarks.grid_search``
        times a new width's first predicts), and it runs large batches up to four
        times faster than Keras's GRU. Where widths are data, XLA compiles each
        width anew, so batches of more than ``_XLA_MAX_SMALL_ROWS`` and fewer than
        ``_UNROLL_MIN_ROWS`` rows (a search's scoring folds), where XLA gains
        little, go through the unrolled steps uncompiled. On a GPU, calls run
        uncompiled, large batches through the unrolled network where the program
        has one. The program used depends only on the padded shape, so an estimator
        predicts the same rows the same way on every call.
        """
        trainable, non_trainable = state.inference_arguments(self)
        outputs = []
        for chunk, n_rows in padded_chunks(x):
            function = self._inference_function(self._inference_path(len(chunk)))
            result = _call(function, *trainable, *non_trainable, tf.constant(chunk))
            outputs.append(result.numpy()[:n_rows])
        return outputs[0] if len(outputs) == 1 else np.concatenate(outputs)

    def _inference_path(self, rows: int) -> tuple[bool, bool]:
        """``(unrolled, through XLA)`` for a batch of ``rows`` (padded) rows. On a
        CPU, the network that is not unrolled is UnrolledGRU's rolled loop, not
        Keras's GRU (see :meth:`_inference_function`)."""
        if not self._on_cpu:
            return self._unroll_inference and rows >= _UNROLL_MIN_ROWS, False
        if self.widths.data and _XLA_MAX_SMALL_ROWS < rows < _UNROLL_MIN_ROWS:
            return self._unrolled, False
        return False, True

    def _inference_function(self, path: tuple[bool, bool]):
        """The compiled forward pass of ``path``, with the weights as arguments,
        built on first use."""
        if path not in self._infer:
            # Threads that predict at once, or a first fit's side thread and a
            # predict, may ask for a new path together: one builds it. Not self.lock,
            # which a fit holds while its side thread builds paths.
            with self._building:
                if path not in self._infer:
                    self._infer[path] = self._new_inference_function(path)
        return self._infer[path]

    def _new_inference_function(self, path: tuple[bool, bool]):
        """A path through XLA wraps the uncompiled function of the same network,
        which XLA inlines, so one trace of the network serves both paths."""
        unroll, xla = path
        variables = self.model.variables
        signature = [
            [tf.TensorSpec(variables[i].shape, variables[i].dtype) for i in indices]
            for indices in (self.trainable_indices, self.non_trainable_indices)
        ]
        if xla:
            return _concrete(
                self._inference_function((unroll, False)),
                [*signature, self._x_spec],
                jit_compile=True,
            )
        # On a CPU the rolled network is UnrolledGRU's rolled loop, which XLA runs
        # up to four times faster than Keras's GRU on large batches, and which
        # takes any width where widths are data (Keras's GRU reads its width in
        # Python).
        model_serves = self._unrolled if unroll else self._rolled or not self._on_cpu
        template = self.model
        if not model_serves:
            template = self._build(unroll=True)
            if not unroll:
                roll(template)
            self.widths.free(template)

        def forward(trainable, non_trainable, inputs):
            return template.stateless_call(trainable, non_trainable, inputs, training=False)[0]

        return _concrete(forward, [*signature, self._x_spec])

    # -- training ----------------------------------------------------------------------

    def fit(
        self,
        state: NetworkState,
        data: tuple[np.ndarray, np.ndarray, np.ndarray],
        *,
        validation: tuple[np.ndarray, np.ndarray, np.ndarray] | None,
        batch_size: int,
        shuffle: bool,
        seed: int,
        epochs: int,
        initial_epoch: int,
        learning_rate: float | None,
        callbacks: Sequence[keras.callbacks.Callback],
        verbose: int,
        metrics: Callable[[Program, bool], dict] | None = None,
        widths: tuple[int, ...] = (),
        dropout: float | None = None,
    ) -> tuple[NetworkState, dict[str, list[float]]]:
        """Train from ``state``, a network of ``widths`` and input ``dropout``, and
        return the new state and the history.

        ``state.optimizer_variables`` None starts the optimizer afresh at
        ``learning_rate``; otherwise its moments and rate carry on.
        """
        x, y, w = data
        with self.lock, released_training_graphs():
            # Where widths are data, so is the number of outputs, and so the number of
            # y's columns; one column (a label, or one output) stays static, as
            # Keras's sparse cross-entropy needs.
            y_spec = tf.TensorSpec(
                (None, *(None if self.widths.data and n > 1 else n for n in y.shape[1:])),
                y.dtype,
            )
            if y_spec not in self._trained:
                first = not self._trained
                self._compile_training(y_spec)
                if first:  # the variables are the same for every kind of target
                    self._state_functions()
            self._functions = self._trained[y_spec]
            self.load(state, learning_rate, widths)
            if self._dropout is not None:
                if dropout is None:
                    raise ValueError("This program's dropout rate is data: pass dropout.")
                self._dropout.assign(dropout)
            n = len(x)
            steps = -(-n // batch_size)
            model = self.model
            model.stop_training = False
            callback_list = keras.callbacks.CallbackList(
                list(callbacks),
                add_progbar=verbose != 0,
                model=model,
                verbose=verbose,
                epochs=initial_epoch + epochs,
                steps=steps,
            )
            batch = tf.constant(batch_size, tf.int32)
            full_steps = 0  # run so far in this fit: long fits go on through XLA
            x, y, w = tf.constant(x), tf.constant(y), tf.constant(w)
            evaluating = None  # the evaluation's arguments
            if validation is not None:
                val_order = tf.range(len(validation[0]), dtype=tf.int32)
                evaluating = (*map(tf.constant, validation), val_order, batch)
            history: dict[str, list[float]] = {}
            callback_list.on_train_begin()
            for epoch in range(initial_epoch, initial_epoch + epochs):
                callback_list.on_epoch_begin(epoch)
                order = np.arange(n, dtype=np.int32)
                if shuffle:
                    order = np.random.default_rng([seed, epoch]).permutation(order)
                xla = self._xla_training and full_steps >= _XLA_STEPS
                train_epoch = self._function("xla epoch" if xla else "epoch")
                run_epoch = functools.partial(
                    _call, train_epoch, x, y, w, tf.constant(order), batch
                )
                first_calls = self._first_calls(evaluating)
                loss = _alongside(run_epoch, first_calls) if first_calls else run_epoch()
                logs = {"loss": float(loss)}
                full_steps += n // batch_size
                if evaluating is not None:
                    logs["val_loss"] = float(_call(self._function("evaluate"), *evaluating))
                if metrics is not None:
                    logs.update(metrics(self, evaluating is not None))
                callback_list.on_epoch_end(epoch, logs)
                for key, value in logs.items():
                    history.setdefault(key, []).append(float(value))
                if model.stop_training:
                    break
            if epochs > 0:  # as keras.Model.fit: EMA weights replace the trained ones
                self.optimizer.finalize_variable_values(model.trainable_variables)
            callback_list.on_train_end()
            fitted = self.read()
        return fitted, history


def _alongside(main: Callable[[], object], side: Callable[[], object]):
    """``main()``, with ``side()`` running in a thread meanwhile; re-raises its error."""
    with ThreadPoolExecutor(1) as pool:
        beside = pool.submit(side)
        result = main()
        beside.result()
    return result


def _wrap_loss(function) -> Callable:
    """A per-sample loss function, weighted and averaged over the batch as Keras does."""
    function = keras.losses.get(function)

    def loss(y_true, y_pred, sample_weight):
        values = tf.cast(function(y_true, y_pred), tf.float32)
        values = tf.reshape(values, (tf.shape(values)[0], -1))
        weighted = values * tf.reshape(sample_weight, (-1, 1))
        return tf.reduce_sum(weighted) / tf.cast(tf.size(values), tf.float32)

    return loss


def _draw(initializer, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Initial values from a Keras initializer's distribution, drawn with ``rng``.

    NumPy does in microseconds what an eager Keras initializer does in a millisecond;
    initializers without a NumPy twin here fall back to Keras, reseeded from ``rng``.
    """
    config = initializer.get_config()
    kind = type(initializer)
    if kind is keras.initializers.Zeros:
        return np.zeros(shape)
    if kind is keras.initializers.Ones:
        return np.ones(shape)
    if kind is keras.initializers.RandomUniform:
        return rng.uniform(config["minval"], config["maxval"], size=shape)
    if kind is keras.initializers.GlorotUniform:
        receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
        fan_in = shape[-2] * receptive if len(shape) > 1 else shape[0]
        fan_out = shape[-1] * receptive
        limit = np.sqrt(6.0 / (fan_in + fan_out))
        return rng.uniform(-limit, limit, size=shape)
    if kind is keras.initializers.Orthogonal and len(shape) == 2:
        rows, cols = shape
        flat = rng.normal(size=(max(rows, cols), min(rows, cols)))
        q, r = np.linalg.qr(flat)
        q *= np.sign(np.diag(r))
        q = q if rows >= cols else q.T
        return config["gain"] * q
    if "seed" in config:
        config["seed"] = int(rng.integers(2**31 - 1))
        initializer = kind.from_config(config)
    return keras.ops.convert_to_numpy(initializer(shape))


def _initializer_of(layer: keras.layers.Layer, variable) -> keras.initializers.Initializer:
    """The initializer a layer gave ``variable`` (``recurrent_kernel`` and such)."""
    name = variable.name
    candidates = (f"{name}_initializer", f"{name.replace('_kernel', '')}_initializer")
    for attribute in candidates:
        initializer = getattr(layer, attribute, None)
        if initializer is not None:
            return keras.initializers.get(initializer)
    raise TypeError(f"No initializer known for variable {variable.path} of {layer.name}.")


# -- the cache of programs ------------------------------------------------------------------

_programs: OrderedDict[Hashable, Program] = OrderedDict()
_programs_lock = threading.Lock()


def program_for(key: Hashable, make: Callable[[], Program]) -> Program:
    """The program of architecture ``key``, made by ``make`` if not cached."""
    with _programs_lock:
        program = _programs.get(key)
        if program is not None:
            _programs.move_to_end(key)
            return program
    program = make()  # outside the lock: building a network takes a while
    with _programs_lock:
        program = _programs.setdefault(key, program)
        _programs.move_to_end(key)
        while len(_programs) > _CACHE_SIZE:
            _programs.popitem(last=False)
    return program


def cached_programs() -> int:
    """How many programs are cached (for tests)."""
    return len(_programs)
