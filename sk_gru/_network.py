"""Build the Keras GRU network from plain parameters.

This module knows nothing about scikit-learn: it turns numbers and strings into a
``keras.Model``. Every network option lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
import tensorflow as tf

#: Marks a padded time step: the lowest float32, which real data does not hold.
#: SequenceWindower pads with it and the GRU estimators mask it by default.
PAD_VALUE = float(np.finfo(np.float32).min)


@keras.saving.register_keras_serializable(package="sk_gru")
class Standardize(keras.layers.Layer):
    """Per-feature ``(x - mean) / sqrt(variance)`` with the statistics as variables.

    ``keras.layers.Normalization`` bakes statistics given to its constructor into the
    graph as constants, so every network with other statistics would need a new
    trace; here they are non-trainable variables, assigned like any other weight.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.mean_initializer = keras.initializers.Zeros()
        self.variance_initializer = keras.initializers.Ones()

    def build(self, input_shape):
        shape = (input_shape[-1],)
        self.mean = self.add_weight(
            shape=shape, initializer=self.mean_initializer, trainable=False, name="mean"
        )
        self.variance = self.add_weight(
            shape=shape, initializer=self.variance_initializer, trainable=False, name="variance"
        )

    def call(self, inputs):
        scale = keras.ops.maximum(keras.ops.sqrt(self.variance), keras.backend.epsilon())
        return (inputs - self.mean) / scale

    def compute_output_shape(self, input_shape):
        return input_shape


#: Floor of a series' standard deviation, in units of the feature's standard
#: deviation over the training data: a flat series is not blown up to unit scale.
SERIES_EPSILON = 1e-6


def series_log_scale(steps: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """``log(std + SERIES_EPSILON)`` of each series and feature over its kept steps.

    ``steps`` is ``(n_series, n_timesteps, n_features)``, already standardised per
    feature; ``kept`` is ``(n_series, n_timesteps)``, False on padding. The same
    arithmetic as :class:`SeriesStandardize`, in NumPy, for its statistics.
    """
    weights = kept[..., None].astype(np.float64)
    count = np.maximum(weights.sum(axis=1), 1.0)
    values = np.where(weights > 0, steps, 0.0)
    mean = values.sum(axis=1) / count
    variance = (weights * (values - mean[:, None]) ** 2).sum(axis=1) / count
    return np.log(np.sqrt(variance) + SERIES_EPSILON)


@keras.saving.register_keras_serializable(package="sk_gru")
class Conv1D(keras.layers.Conv1D):
    """``keras.layers.Conv1D`` whose bias is added by broadcasting.

    Keras reshapes the bias to ``(1, 1, filters)``, a width fixed when the layer is
    built; broadcasting computes the same sum at whatever width the weights have,
    so that a program can take the filters as data.
    """

    def call(self, inputs):
        outputs = self.convolution_op(inputs, self.kernel)
        if self.use_bias:
            outputs = outputs + self.bias
        return outputs if self.activation is None else self.activation(outputs)


@keras.saving.register_keras_serializable(package="sk_gru")
class SeriesStandardize(keras.layers.Layer):
    """Standardise each series by its own mean and standard deviation, and add its
    scale as an input: ``[(x - mean) / std, log std]`` per feature.

    The statistics are over the series' unmasked steps. ``log std`` is constant
    over the series; it is centred on the training series' mean and divided by
    their standard deviation, or by 1 where that is smaller (both non-trainable
    variables). The network reads a series' shape
    at unit scale and its scale apart: series whose amplitudes differ by orders of
    magnitude, such as the currents of different appliances, are otherwise all
    near zero but the largest after one standardisation of the whole data.
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True
        self.log_scale_mean_initializer = keras.initializers.Zeros()
        self.log_scale_variance_initializer = keras.initializers.Ones()

    def build(self, input_shape):
        shape = (input_shape[-1],)
        self.log_scale_mean = self.add_weight(
            shape=shape,
            initializer=self.log_scale_mean_initializer,
            trainable=False,
            name="log_scale_mean",
        )
        self.log_scale_variance = self.add_weight(
            shape=shape,
            initializer=self.log_scale_variance_initializer,
            trainable=False,
            name="log_scale_variance",
        )

    def call(self, inputs, mask=None):
        ops = keras.ops
        if mask is None:
            weights = ops.ones_like(inputs[..., :1])
        else:
            weights = ops.expand_dims(ops.cast(mask, inputs.dtype), -1)
        values = ops.where(weights > 0, inputs, 0.0)
        count = ops.maximum(ops.sum(weights, axis=1, keepdims=True), 1.0)
        mean = ops.sum(values, axis=1, keepdims=True) / count
        centred = (values - mean) * weights
        std = ops.sqrt(ops.sum(centred * centred, axis=1, keepdims=True) / count)
        shape = centred / ops.maximum(std, SERIES_EPSILON)
        # Scales that vary by less than a factor e between series are no signal:
        # their spread is not blown up to unit variance.
        spread = ops.maximum(ops.sqrt(self.log_scale_variance), 1.0)
        log_scale = (ops.log(std + SERIES_EPSILON) - self.log_scale_mean) / spread
        return ops.concatenate([shape, log_scale * weights], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], 2 * input_shape[-1])


@keras.saving.register_keras_serializable(package="sk_gru")
class ZeroPadded(keras.layers.Layer):
    """Set masked (padded) steps to zero and drop the mask, for layers without masking."""

    def call(self, inputs, mask=None):
        if mask is None:
            return inputs
        return keras.ops.where(keras.ops.expand_dims(mask, -1), inputs, 0.0)

    def compute_mask(self, inputs, mask=None):
        return None

    def compute_output_shape(self, input_shape):
        return input_shape


@keras.saving.register_keras_serializable(package="sk_gru")
class PooledMask(keras.layers.Layer):
    """Pass ``inputs[0]`` on with the mask of ``inputs[1]``, max-pooled as the
    convolution blocks between them pooled their steps: a pooled step is kept when
    any step it covers was."""

    def __init__(self, pool_size: int = 1, n_pools: int = 0, **kwargs):
        super().__init__(**kwargs)
        self.pool_size = pool_size
        self.n_pools = n_pools

    def call(self, inputs, mask=None):
        return inputs[0]

    def compute_mask(self, inputs, mask=None):
        if mask is None or mask[1] is None:
            return None
        kept = keras.ops.cast(mask[1], "float32")[:, :, None]
        for _ in range(self.n_pools):
            kept = keras.ops.max_pool(kept, self.pool_size, padding="same")
        return keras.ops.cast(kept[:, :, 0], "bool")

    def compute_output_shape(self, input_shape):
        return input_shape[0]

    def get_config(self):
        return {**super().get_config(), "pool_size": self.pool_size, "n_pools": self.n_pools}


def _gru_state(x_zr, x_h, inner_zr, inner_h, h):
    """One GRU step (reset after, sigmoid gates, tanh candidate) from the step's input
    and recurrent projections, split into update-and-reset and candidate parts:
    ``(new state, [z, r], candidate)``. Sums go through ``add_n``, whose gradient
    passes through: an ``Add`` on a batch of unknown size takes seven operations to
    differentiate."""
    gates = tf.sigmoid(tf.math.add_n([x_zr, inner_zr]))
    z, r = tf.split(gates, 2, axis=-1)
    candidate = tf.tanh(tf.math.add_n([x_h, r * inner_h]))
    return tf.math.add_n([candidate, z * (h - candidate)]), gates, candidate


@tf.custom_gradient
def _trained_gru_state(x_zr, x_h, inner_zr, inner_h, h):
    """:func:`_gru_state`'s new state, with its gradient written out: 14 operations
    per step where automatic differentiation took about 40."""
    new, gates, candidate = _gru_state(x_zr, x_h, inner_zr, inner_h, h)

    def gradient(d_new):
        z, r = tf.split(gates, 2, axis=-1)
        d_h = d_new * z
        d_x_h = (d_new - d_h) * (1.0 - candidate * candidate)
        d_zr = tf.concat([d_new * (h - candidate), d_x_h * inner_h], -1) * gates * (1.0 - gates)
        return d_zr, d_x_h, d_zr, d_x_h * r, d_h

    return new, gradient


@keras.saving.register_keras_serializable(package="sk_gru")
class UnrolledGRU(keras.layers.GRU):
    """``keras.layers.GRU(unroll=True)``, traced with fewer operations.

    Keras unrolls a GRU by calling its cell, a layer, once per step; each call
    splits the bias, projects that step's inputs and goes through the layer's call
    machinery, and each operation on a batch of unknown size takes several more to
    differentiate. Here one matrix product projects the inputs of every step before
    the loop, and each step is the GRU's arithmetic on TensorFlow tensors with its
    gradient written out (:func:`_trained_gru_state`): the same outputs and
    gradients up to rounding (tests compare both with ``keras.layers.GRU``), from
    less than half of Keras's operations, so both the trace and each step take less
    time (``python -m benchmarks.fit``).
    Other activations and recurrent dropout go through Keras's own loop.

    With ``rolled`` set, the steps run in a ``tf.while_loop`` instead: the same
    arithmetic and gradient, which XLA compiles in a third to a fifth of the time
    of the unrolled steps and runs as fast (``benchmarks.grid_search``), and whose
    trace does not grow with the steps.
    """

    rolled = False
    # A scalar variable that a program sets: the input dropout's rate, read at run
    # time so that one trace serves every rate. None: ``dropout``, as Keras reads it.
    dropout_rate = None

    def __init__(self, units, **kwargs):
        super().__init__(units, **{**kwargs, "unroll": True})

    def get_initial_state(self, batch_size):
        # The width read at run time, as in inner_loop.
        units = tf.shape(self.cell.recurrent_kernel)[0]
        return [tf.zeros(tf.stack([batch_size, units]), self.compute_dtype)]

    def inner_loop(self, sequences, initial_state, mask, training=False):
        cell = self.cell
        if (
            not (cell.reset_after and cell.use_bias)
            or cell.activation is not keras.activations.tanh
            or cell.recurrent_activation is not keras.activations.sigmoid
            or (training and cell.recurrent_dropout)
        ):
            return super().inner_loop(sequences, initial_state, mask, training)
        if training and 0.0 < cell.dropout < 1.0:
            sequences = sequences * cell.get_dropout_mask(sequences[:, 0])[:, None]
        # Inference traces skip the custom gradient: each use registers an entry in
        # TensorFlow's gradient registry, which only fits purge (see _runtime).
        state = _trained_gru_state if training else (lambda *a: _gru_state(*a)[0])
        recurrent_kernel = tf.convert_to_tensor(cell.recurrent_kernel)
        units = tf.shape(recurrent_kernel)[0]  # read at run time: widths may be data
        sizes = tf.stack([2 * units, units])
        input_bias, recurrent_bias = tf.unstack(cell.bias, num=2)

        def step(x, step_mask, h):
            """``(new state, output)`` of one step from its projected inputs ``x``."""
            inner = tf.nn.bias_add(tf.matmul(h, recurrent_kernel), recurrent_bias)
            x_zr, x_h = tf.split(x, sizes, axis=-1)
            inner_zr, inner_h = tf.split(inner, sizes, axis=-1)
            new = state(x_zr, x_h, inner_zr, inner_h, h)
            if step_mask is None:
                return new, new
            kept = step_mask[:, None]
            h = tf.where(kept, new, h)
            return h, (tf.where(kept, h, 0.0) if self.zero_output_for_mask else h)

        h = initial_state[0]  # keras.layers.RNN.call passes a list
        if self.rolled:

            def rolled_step(x, step_mask, h):
                return step(tf.nn.bias_add(tf.matmul(x, cell.kernel), input_bias), step_mask, h)

            return self._rolled_loop(rolled_step, sequences, mask, h)
        projected = tf.nn.bias_add(tf.einsum("btf,fg->btg", sequences, cell.kernel), input_bias)
        steps = tf.unstack(projected, axis=1)
        masks = [None] * len(steps) if mask is None else tf.unstack(mask, axis=1)
        if self.go_backwards:
            steps, masks = steps[::-1], masks[::-1]
        outputs = []
        for x, step_mask in zip(steps, masks, strict=True):
            h, output = step(x, step_mask, h)
            outputs.append(output)
        sequence = tf.stack(outputs, axis=1) if self.return_sequences else h[:, None]
        return h, sequence, [h]

    def _maybe_config_dropout_masks(self, cell, input_sequence, input_state):
        # Keras's RNN.call draws the input-dropout mask here, once per call, at the
        # Python rate (keras.random.dropout compares the rate in Python): where the
        # rate is data, draw it at that rate instead, from the same seed stream as
        # Keras's TensorFlow backend. The same rows are kept; the scale 1 / (1 -
        # rate) is computed in the input's precision, not in double.
        if self.dropout_rate is not None:
            seed = cell.seed_generator.next()
            if seed.dtype != tf.int32:
                seed = tf.cast(tf.math.floormod(seed, tf.int32.max - 1), tf.int32)
            rate = tf.cast(self.dropout_rate, input_sequence.dtype)
            cell._dropout_mask = tf.nn.experimental.stateless_dropout(
                tf.ones_like(input_sequence), rate=rate, seed=seed
            )
        super()._maybe_config_dropout_masks(cell, input_sequence, input_state)

    def _rolled_loop(self, step, sequences, mask, h):
        """:meth:`inner_loop`'s result, its steps in a ``tf.while_loop``.

        Each iteration projects its own step's inputs, which it slices for the
        next iteration: XLA fuses a slice at the loop's index into the arithmetic
        that reads it, and leaves that fusion unvectorised (three times slower at
        896 rows); carried, the slice is as narrow as the inputs.
        """
        n_steps = sequences.shape[1]
        order = slice(None, None, -1 if self.go_backwards else 1)
        steps = tf.transpose(sequences, (1, 0, 2))[order]
        masks = None if mask is None else tf.transpose(mask)[order]
        # Outputs only where returned: XLA cannot differentiate an unwritten list.
        outputs = [tf.TensorArray(h.dtype, size=n_steps)] if self.return_sequences else []

        def inputs(i):
            i = tf.minimum(i, n_steps - 1)
            return steps[i], () if masks is None else masks[i]

        def body(i, h, x, step_mask, *outputs):
            h, output = step(x, None if masks is None else step_mask, h)
            return i + 1, h, *inputs(i + 1), *[array.write(i, output) for array in outputs]

        _, h, _, _, *outputs = tf.while_loop(
            lambda i, *_: i < n_steps,
            body,
            (0, h, *inputs(0), *outputs),
            maximum_iterations=n_steps,  # for XLA's gradient
        )
        sequence = tf.transpose(outputs[0].stack(), (1, 0, 2)) if outputs else h[:, None]
        return h, sequence, [h]


def roll(model: keras.Model) -> None:
    """Set every :class:`UnrolledGRU` of ``model`` to run its rolled loop."""
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, UnrolledGRU):
            layer.rolled = True


def build_gru_network(
    *,
    input_shape: tuple[int, ...],
    n_outputs: int,
    output_activation: str,
    units: int | Sequence[int] = 32,
    bidirectional: bool = False,
    dropout: float = 0.0,
    recurrent_dropout: float = 0.0,
    dense_units: Sequence[int] = (),
    conv_filters: Sequence[int] = (),
    conv_kernel_size: int | Sequence[int] = 8,
    conv_pool_size: int = 1,
    conv_layout: str = "serial",
    pooling: str = "last",
    mask_value: float | None = None,
    normalize: bool | str = False,
    vocabulary_size: int | None = None,
    embedding_dim: int | None = None,
    unroll: bool = False,
    seed: int | None = None,
) -> keras.Model:
    """Return an uncompiled GRU network.

    The layers are, in order: token embedding (``embedding_dim``) or masking of
    padded steps (``mask_value``), per-feature standardisation (``normalize``),
    optional convolution blocks (``conv_filters``), the GRU stack, dense layers and
    the output head. Every parameter the training
    changes or sets is a variable of the model (the standardisation's statistics
    too), so one traced program serves every network of the same architecture.

    Parameters
    ----------
    input_shape : tuple of int
        Shape of one sample: ``(n_timesteps, n_features)``, or ``(n_timesteps,)``
        for token ids.
    n_outputs : int
        Width of the output layer.
    output_activation : str
        Activation of the output layer, such as ``"sigmoid"``, ``"softmax"`` or
        ``"linear"``.
    units : int or sequence of int, default=32
        Width of each GRU layer; a sequence stacks several layers.
    bidirectional : bool, default=False
        Wrap each GRU layer in ``keras.layers.Bidirectional``.
    dropout, recurrent_dropout : float, default=0.0
        Dropout of the GRU inputs and of its recurrent state.
    dense_units : sequence of int, default=()
        Widths of ReLU dense layers between the GRU stack and the output.
    conv_filters : sequence of int, default=()
        Widths of Conv1D-BatchNorm-ReLU blocks. With ``conv_layout="serial"`` they
        sit before the GRU stack and each is followed by max pooling over
        ``conv_pool_size`` steps, so the GRU reads a sequence that many times
        shorter. With ``"parallel"`` they form a branch beside the GRU stack,
        averaged over time and concatenated with the GRU's output, as in GRU-FCN
        (Elsayed, Maida and Bayoumi 2018). Padded steps enter them as zeros.
    conv_kernel_size : int or sequence of int, default=8
        Kernel size of every block, or of each block in turn.
    conv_pool_size : int, default=1
        Max-pooling size after each block of the serial layout.
    conv_layout : {"serial", "parallel"}, default="serial"
        Where the convolution blocks go.
    pooling : {"last", "mean"}, default="last"
        What the head reads from the last GRU layer: its final state, or the mean
        of its outputs over the unmasked steps.
    mask_value : float or None, default=None
        Timesteps whose features all equal this value are skipped.
    normalize : bool or "series", default=False
        Standardise each feature with a :class:`Standardize` layer, whose
        statistics are variables set after building; "series" then standardises
        each series by its own statistics and adds its scale as an input
        (:class:`SeriesStandardize`).
    vocabulary_size : int or None, default=None
        Number of token ids, 0 (padding) included; needed with ``embedding_dim``.
    embedding_dim : int or None, default=None
        Read the input as token ids and embed them in this many dimensions.
        Id 0 is padding and is masked.
    unroll : bool, default=False
        Unroll the GRU loops through :class:`UnrolledGRU` (faster for short
        sequences, more memory and tracing; never cuDNN).
    seed : int or None, default=None
        Seeds every initializer and dropout layer, so the network does not depend
        on global random state; None draws fresh seeds.

    Returns
    -------
    keras.Model

    Examples
    --------
    >>> model = build_gru_network(input_shape=(10, 1), n_outputs=1,
    ...                           output_activation="linear", units=8)
    >>> model.output_shape
    (None, 1)
    """
    seeds = np.random.default_rng(seed)

    def next_seed() -> int | None:
        # Keras draws an unseeded initializer's seed from Python's global `random`,
        # which other threads (a Dask worker's event loop) also draw from.
        return None if seed is None else int(seeds.integers(2**31 - 1))

    def gru_layer(width: int, return_sequences: bool, go_backwards: bool = False):
        # The defaults keep the layer eligible for the cuDNN kernel on a GPU.
        return (UnrolledGRU if unroll else keras.layers.GRU)(
            width,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            return_sequences=return_sequences,
            go_backwards=go_backwards,
            kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
            recurrent_initializer=keras.initializers.Orthogonal(seed=next_seed()),
            seed=next_seed(),
        )

    inputs = keras.Input(shape=input_shape, dtype="int32" if embedding_dim is not None else None)
    if embedding_dim is not None:
        hidden = keras.layers.Embedding(
            vocabulary_size,
            embedding_dim,
            mask_zero=True,
            embeddings_initializer=keras.initializers.RandomUniform(-0.05, 0.05, next_seed()),
        )(inputs)
    else:
        hidden = inputs
        if mask_value is not None:
            hidden = keras.layers.Masking(mask_value=mask_value)(hidden)
        if normalize:
            hidden = Standardize(name="standardize")(hidden)
        if normalize == "series":
            hidden = SeriesStandardize(name="series_standardize")(hidden)

    conv_filters = tuple(int(width) for width in conv_filters)
    kernels = (
        (int(conv_kernel_size),) * len(conv_filters)
        if np.isscalar(conv_kernel_size)
        else tuple(int(k) for k in conv_kernel_size)
    )
    if len(kernels) != len(conv_filters):
        raise ValueError(
            f"conv_kernel_size gives {len(kernels)} kernel sizes for "
            f"{len(conv_filters)} convolution blocks (conv_filters)."
        )

    def conv_blocks(tensor, pool: int):
        masked = tensor
        tensor = ZeroPadded()(tensor)
        for width, kernel in zip(conv_filters, kernels, strict=True):
            tensor = Conv1D(
                width,
                kernel,
                padding="same",
                kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
            )(tensor)
            # Momentum 0.9, not 0.99: small data sets make a few hundred steps in all,
            # and statistics still near their initial values wreck inference.
            tensor = keras.layers.BatchNormalization(momentum=0.9)(tensor)
            tensor = keras.layers.Activation("relu")(tensor)
            if pool > 1:
                tensor = keras.layers.MaxPooling1D(pool, padding="same")(tensor)
        if mask_value is None or pooling != "mean":
            return tensor
        return PooledMask(pool, len(conv_filters) * (pool > 1))([tensor, masked])

    branch = None
    if conv_filters and conv_layout == "parallel":
        branch = keras.layers.GlobalAveragePooling1D()(conv_blocks(hidden, 1))
    elif conv_filters:
        hidden = conv_blocks(hidden, conv_pool_size)

    layer_units = (units,) if np.isscalar(units) else tuple(units)
    for i, width in enumerate(layer_units):
        return_sequences = i < len(layer_units) - 1 or pooling == "mean"
        gru = gru_layer(int(width), return_sequences)
        if bidirectional:
            backward = gru_layer(int(width), return_sequences, go_backwards=True)
            hidden = keras.layers.Bidirectional(gru, backward_layer=backward)(hidden)
        else:
            hidden = gru(hidden)

    def dense(width: int, activation: str):
        initializer = keras.initializers.GlorotUniform(next_seed())
        return keras.layers.Dense(width, activation=activation, kernel_initializer=initializer)

    if pooling == "mean":
        hidden = keras.layers.GlobalAveragePooling1D()(hidden)
    if branch is not None:
        hidden = keras.layers.Concatenate()([hidden, branch])
    for width in dense_units:
        hidden = dense(int(width), "relu")(hidden)
    outputs = dense(n_outputs, output_activation)(hidden)
    return keras.Model(inputs, outputs)
