"""Build the Keras GRU network from plain parameters.

This module knows nothing about scikit-learn: it turns numbers and strings into a
``keras.Model``. Every network option lives here and nowhere else.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np

#: Marks a padded time step: the lowest float32, which real data does not hold.
#: SequenceWindower pads with it and the GRU estimators mask it by default.
PAD_VALUE = float(np.finfo(np.float32).min)


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
    mask_value: float | None = None,
    input_mean: np.ndarray | None = None,
    input_variance: np.ndarray | None = None,
    vocabulary_size: int | None = None,
    embedding_dim: int | None = None,
    unroll: bool = False,
    seed: int | None = None,
) -> keras.Model:
    """Return an uncompiled GRU network.

    The layers are, in order: token embedding (``embedding_dim``) or masking of
    padded steps (``mask_value``), per-feature standardisation (``input_mean`` and
    ``input_variance``), the GRU stack, dense layers and the output head.

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
    mask_value : float or None, default=None
        Timesteps whose features all equal this value are skipped.
    input_mean, input_variance : ndarray of shape (n_features,) or None
        Statistics for standardising each feature; None skips standardisation.
    vocabulary_size : int or None, default=None
        Number of token ids, 0 (padding) included; needed with ``embedding_dim``.
    embedding_dim : int or None, default=None
        Read the input as token ids and embed them in this many dimensions.
        Id 0 is padding and is masked.
    unroll : bool, default=False
        Unroll the GRU loops (faster for short sequences, more memory).
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
        return keras.layers.GRU(
            width,
            dropout=dropout,
            recurrent_dropout=recurrent_dropout,
            return_sequences=return_sequences,
            go_backwards=go_backwards,
            unroll=unroll,
            kernel_initializer=keras.initializers.GlorotUniform(next_seed()),
            recurrent_initializer=keras.initializers.Orthogonal(seed=next_seed()),
            seed=next_seed(),
        )

    inputs = keras.Input(shape=input_shape)
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
        if input_mean is not None:
            hidden = keras.layers.Normalization(axis=-1, mean=input_mean, variance=input_variance)(
                hidden
            )

    layer_units = (units,) if np.isscalar(units) else tuple(units)
    for i, width in enumerate(layer_units):
        return_sequences = i < len(layer_units) - 1
        gru = gru_layer(int(width), return_sequences)
        if bidirectional:
            backward = gru_layer(int(width), return_sequences, go_backwards=True)
            hidden = keras.layers.Bidirectional(gru, backward_layer=backward)(hidden)
        else:
            hidden = gru(hidden)

    def dense(width: int, activation: str):
        initializer = keras.initializers.GlorotUniform(next_seed())
        return keras.layers.Dense(width, activation=activation, kernel_initializer=initializer)

    for width in dense_units:
        hidden = dense(int(width), "relu")(hidden)
    outputs = dense(n_outputs, output_activation)(hidden)
    return keras.Model(inputs, outputs)
