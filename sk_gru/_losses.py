"""Losses that Keras lacks."""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="sk_gru")
class SparseCategoricalCrossentropy(keras.losses.Loss):
    """Categorical cross-entropy with label smoothing, on integer class labels.

    The same loss as ``keras.losses.CategoricalCrossentropy(label_smoothing=...)``
    on one-hot targets: the target puts ``1 - label_smoothing`` on the true class and
    spreads ``label_smoothing`` evenly over every class. Keras's sparse loss has no
    label smoothing; this one one-hot encodes each batch instead of the whole target,
    which for a vocabulary of words would not fit in memory.

    Parameters
    ----------
    label_smoothing : float, default=0.0
        Probability mass spread over all classes, in [0, 1).
    reduction, name, dtype
        As in ``keras.losses.Loss``.

    Examples
    --------
    >>> import numpy as np
    >>> loss = SparseCategoricalCrossentropy(label_smoothing=0.1)
    >>> round(float(loss(np.array([0]), np.array([[0.5, 0.5]]))), 4)
    0.6931
    """

    def __init__(
        self,
        label_smoothing: float = 0.0,
        reduction: str = "sum_over_batch_size",
        name: str = "sparse_categorical_crossentropy",
        dtype=None,
    ) -> None:
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.label_smoothing = label_smoothing

    def call(self, y_true, y_pred):
        n_classes = ops.shape(y_pred)[-1]
        labels = ops.cast(ops.reshape(y_true, ops.shape(y_pred)[:-1]), "int32")
        target = ops.one_hot(labels, n_classes, dtype=y_pred.dtype)
        if self.label_smoothing:
            spread = self.label_smoothing / ops.cast(n_classes, y_pred.dtype)
            target = target * (1.0 - self.label_smoothing) + spread
        return ops.categorical_crossentropy(target, y_pred)

    def get_config(self) -> dict:
        return {**super().get_config(), "label_smoothing": self.label_smoothing}
