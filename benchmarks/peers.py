"""The same GRU network built by each peer: hand-written Keras, scikeras, torch and skorch.

Every peer's network is sk_gru's: per-feature standardisation, one GRU layer, a
dense head (sigmoid for two classes, linear for regression).
"""

from __future__ import annotations

import functools

import numpy as np


def keras_gru(
    n_steps: int, n_features: int, units: int, n_outputs: int, activation, unroll: bool = False
):
    """The network sk_gru builds, written by hand: Normalization, GRU, Dense.

    Returns the uncompiled model and its Normalization layer (to ``adapt``).
    """
    import keras

    inputs = keras.Input((n_steps, n_features))
    norm = keras.layers.Normalization(axis=-1)
    hidden = keras.layers.GRU(units, unroll=unroll)(norm(inputs))
    outputs = keras.layers.Dense(n_outputs, activation=activation)(hidden)
    model = keras.Model(inputs, outputs)
    return model, norm


def keras_fit(
    X,
    y,
    *,
    units: int,
    epochs: int,
    batch_size: int,
    classify: bool,
    learning_rate=3e-3,
    seed: int | None = None,
):
    """Build, adapt, compile and fit as a user would by hand; returns the model.

    ``seed`` seeds Keras's global random state first, as a user would.
    """
    import keras

    if seed is not None:
        keras.utils.set_random_seed(seed)
    X3 = np.asarray(X, dtype="float32").reshape(len(X), X.shape[1], -1)
    model, norm = keras_gru(X3.shape[1], X3.shape[2], units, 1, "sigmoid" if classify else None)
    norm.adapt(X3)
    loss = "binary_crossentropy" if classify else "mse"
    model.compile(keras.optimizers.Adam(learning_rate), loss)
    model.fit(X3, np.asarray(y, "float32"), batch_size=batch_size, epochs=epochs, verbose=0)
    return model


def scikeras_estimator(*, units: int, epochs: int, batch_size: int, classify: bool):
    """scikeras's KerasClassifier/KerasRegressor with the equivalent build function."""
    import keras
    from scikeras.wrappers import KerasClassifier, KerasRegressor

    def build(meta):
        n_steps = meta["X_shape_"][1]
        n_features = meta["X_shape_"][2] if len(meta["X_shape_"]) == 3 else 1
        inputs = keras.Input((n_steps,) if len(meta["X_shape_"]) == 2 else (n_steps, n_features))
        hidden = (
            inputs if len(meta["X_shape_"]) == 3 else keras.layers.Reshape((n_steps, 1))(inputs)
        )
        hidden = keras.layers.GRU(units)(keras.layers.Normalization(axis=-1)(hidden))
        outputs = keras.layers.Dense(1, activation="sigmoid" if classify else None)(hidden)
        return keras.Model(inputs, outputs)

    cls = KerasClassifier if classify else KerasRegressor
    return cls(
        build,
        loss="binary_crossentropy" if classify else "mse",
        optimizer="adam",
        optimizer__learning_rate=3e-3,
        epochs=epochs,
        batch_size=batch_size,
        verbose=0,
    )


@functools.cache
def torch_gru_class():
    """The torch module: standardise with fixed statistics, GRU, linear head.

    Its constructor takes ``n_features``, ``units``, ``mean``, ``std`` and
    ``squeeze`` (return shape ``(n,)``, as skorch's binary classifier expects).
    """
    import torch

    class GRUNet(torch.nn.Module):
        def __init__(self, n_features=1, units=32, mean=0.0, std=1.0, squeeze=False):
            super().__init__()
            self.register_buffer("mean", torch.tensor(float(mean)))
            self.register_buffer("std", torch.tensor(float(std)))
            self.gru = torch.nn.GRU(n_features, units, batch_first=True)
            self.head = torch.nn.Linear(units, 1)
            self.squeeze = squeeze

        def forward(self, x):
            output, _ = self.gru((x - self.mean) / self.std)
            out = self.head(output[:, -1])
            return out[:, 0] if self.squeeze else out

    return GRUNet


def torch_available() -> bool:
    """Whether torch and skorch import (the ``bench`` extra)."""
    try:
        import skorch  # noqa: F401
        import torch  # noqa: F401
    except ImportError:
        return False
    return True


def skorch_estimator(
    *,
    X,
    units: int,
    epochs: int,
    batch_size: int,
    classify: bool,
    lr: float = 3e-3,
    seed: int = 0,
):
    """skorch around the torch module, standardising with ``X``'s statistics.

    A ``NeuralNetBinaryClassifier`` (logits, ``BCEWithLogitsLoss``, threshold 0.5;
    ``score`` is accuracy) when ``classify``, else a ``NeuralNetRegressor`` (MSE).
    Both train on all of the data (``train_split=None``), as sk_gru does without
    early stopping. Feed it float32 arrays of shape ``(n, steps, features)``.
    """
    import torch
    from skorch import NeuralNetBinaryClassifier, NeuralNetRegressor

    X = np.asarray(X, dtype=np.float32)
    torch.manual_seed(seed)
    cls = NeuralNetBinaryClassifier if classify else NeuralNetRegressor
    return cls(
        torch_gru_class(),
        module__n_features=X.shape[-1],
        module__units=units,
        module__mean=float(X.mean()),
        module__std=float(X.std()),
        module__squeeze=classify,
        max_epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        optimizer=torch.optim.Adam,
        train_split=None,
        verbose=0,
    )


def keras_forecast(
    series, *, n_observed: int, window: int, units: int, epochs: int, steps: int, seed: int = 0
):
    """Forecast by hand, as the seed scripts do: min-max scale, cut windows in a loop,
    fit GRU(units) with batch 32 on ``series[:n_observed]``, forecast recursively.

    Returns the one-step predictions of ``series[n_observed:]`` (each window reaches
    back into the observed history) and the ``steps``-ahead recursive forecast made
    from ``series[:n_observed]``, both unscaled.
    """
    import keras

    keras.utils.set_random_seed(seed)
    series = np.asarray(series, dtype="float32")
    low, high = series[:n_observed].min(), series[:n_observed].max()
    scaled = (series - low) / (high - low)
    X = np.array([scaled[i : i + window] for i in range(len(scaled) - window)])[..., None]
    y = scaled[window:]
    n_train = n_observed - window
    inputs = keras.Input((window, 1))
    outputs = keras.layers.Dense(1)(keras.layers.GRU(units)(inputs))
    model = keras.Model(inputs, outputs)
    model.compile(keras.optimizers.Adam(1e-3), "mse")
    model.fit(X[:n_train], y[:n_train], batch_size=32, epochs=epochs, verbose=0)
    one_step = model.predict(X[n_train:], verbose=0)[:, 0] if n_train < len(X) else []
    history = list(scaled[:n_observed])
    for _ in range(steps):
        history.append(
            float(model.predict_on_batch(np.array(history[-window:])[None, :, None])[0, 0])
        )
    forecast = np.array(history[n_observed:])
    return np.asarray(one_step) * (high - low) + low, forecast * (high - low) + low
