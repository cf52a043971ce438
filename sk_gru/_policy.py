"""When training stops and how the learning rate moves: the training policy.

The policy runs at epoch boundaries as a Keras callback, so it holds whichever loop
drives the epochs. It was chosen by measurement (``benchmarks/``; README "Training
policy"):

- A validation split is only trusted when it is large enough. With 10 % of 50
  series, 5 series decide when to stop, their loss is lowest after the first epoch,
  and the weights restored were those of epoch 1: the network scored at chance.
  So ``early_stopping="auto"`` holds out ``validation_fraction`` only when that is
  at least ``MIN_VALIDATION`` samples, as ``HistGradientBoostingClassifier`` turns
  early stopping on only for large data sets.
- Without a validation split, training stops when the training loss has not
  improved by ``tol`` for ``patience`` epochs, as ``MLPClassifier`` does with
  ``tol`` and ``n_iter_no_change``; the last weights are kept. On a validation
  loss ``tol`` is relative to the best loss: a smooth series' forecast reaches
  losses of 1e-6, where an absolute 1e-4 stopped it at a tenth of its accuracy.
- Without a validation split, patience is never fewer than ``MIN_PATIENCE_STEPS``
  gradient steps (ten epochs of one step are noise), and a plateau only stops
  training once learning has started (the loss fell below ``STARTED`` times its first value): on long series
  the loss sits at its initial value for hundreds of steps before it falls.
- ``epochs="auto"`` is never fewer than ``MIN_STEPS`` gradient steps: a data set
  of 30 series makes one step per epoch, and 200 such steps do not train a GRU.
- The adaptive schedule multiplies the learning rate by ``FACTOR`` after half the
  patience without improvement, but only once learning has started (the monitored
  loss has fallen below ``STARTED`` times its first value), so it cannot collapse
  the rate while the network still sits at its initial loss.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import keras
import numpy as np

MIN_VALIDATION = 50
MIN_STEPS = 2000
MIN_PATIENCE_STEPS = 100
FACTOR = 0.3
STARTED = 0.9
# The rate never falls below this fraction of where it started.
MIN_RATE_FRACTION = 1e-3


@dataclass
class Policy:
    """What a fit does: how many samples it validates on, epochs and callbacks."""

    n_validation: int
    epochs: int
    callbacks: list = field(default_factory=list)


def training_policy(
    *,
    n_samples: int,
    batch_size: int,
    epochs: int,
    early_stopping: bool | str,
    validation_fraction: float,
    patience: int,
    tol: float,
    learning_rate_schedule: str,
    budget: bool = False,
) -> Policy:
    """The policy for a fit on ``n_samples`` samples.

    ``early_stopping=False`` trains for exactly ``epochs`` epochs (as ``partial_fit``
    does). ``budget=True`` (``epochs="auto"``) raises ``epochs`` to make at least
    ``MIN_STEPS`` gradient steps; otherwise ``epochs`` is the most epochs run.
    """
    if early_stopping is False:
        return Policy(n_validation=0, epochs=epochs)
    n_validation = math.ceil(validation_fraction * n_samples)
    if early_stopping == "auto" and n_validation < MIN_VALIDATION:
        n_validation = 0
    if not 1 <= n_validation < n_samples:
        n_validation = 0
    steps = -(-(n_samples - n_validation) // batch_size)
    if budget:
        epochs = max(epochs, -(-MIN_STEPS // steps))
    if not n_validation:  # a training-loss plateau needs more than a few noisy steps
        patience = max(patience, -(-MIN_PATIENCE_STEPS // steps))
    plateau = Plateau(
        monitor="val_loss" if n_validation else "loss",
        patience=patience,
        tol=tol,
        adapt_learning_rate=learning_rate_schedule == "adaptive",
        restore_best=bool(n_validation),
    )
    return Policy(n_validation=n_validation, epochs=epochs, callbacks=[plateau])


class Plateau(keras.callbacks.Callback):
    """Stop on a plateau of the monitored loss; lower the learning rate before.

    Parameters
    ----------
    monitor : {"loss", "val_loss"}
        The loss that must improve.
    patience : int
        Epochs without an improvement of at least ``tol`` before stopping.
    tol : float
        Smallest decrease that counts as an improvement: of the training loss, or
        of the validation loss as a fraction of its best value so far.
    adapt_learning_rate : bool
        Multiply the learning rate by ``FACTOR`` after ``patience // 2`` epochs
        without improvement, once learning has started.
    restore_best : bool
        At the end, restore the weights of the epoch with the lowest loss.
    """

    def __init__(
        self,
        monitor: str,
        patience: int,
        tol: float,
        adapt_learning_rate: bool,
        restore_best: bool,
    ) -> None:
        super().__init__()
        self.monitor = monitor
        self.patience = patience
        self.tol = tol
        self.adapt_learning_rate = adapt_learning_rate
        self.restore_best = restore_best

    def on_train_begin(self, logs=None) -> None:
        self.first = self.best = None
        self.best_weights = None
        self.wait = self.since_change = 0
        self.started = False
        self.floor = float(np.asarray(self.model.optimizer.learning_rate)) * MIN_RATE_FRACTION

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None or not np.isfinite(current):
            return
        if self.first is None:
            self.first = current
        self.started = self.started or current < STARTED * self.first
        # On the validation loss any real decrease is better generalisation, down to
        # 1e-6 for a smooth series, so tol is relative there. On the training loss,
        # a loss below tol means the training set is learnt: tol is absolute, as in
        # MLPClassifier, or memorising would run to the last epoch.
        relative = self.monitor == "val_loss"
        if self.best is None or current < self.best - self.tol * (
            abs(self.best) if relative else 1
        ):
            self.best = current
            self.wait = self.since_change = 0
            if self.restore_best:
                self.best_weights = self.model.get_weights()
            return
        self.wait += 1
        self.since_change += 1
        rate = self.model.optimizer.learning_rate
        if (
            self.adapt_learning_rate
            and hasattr(rate, "assign")  # a LearningRateSchedule sets the rate itself
            and self.started
            and self.since_change >= max(1, self.patience // 2)
        ):
            lowered = max(float(np.asarray(rate)) * FACTOR, self.floor)
            rate.assign(lowered)
            self.since_change = 0
        # Without a validation set, a loss still near its first value means learning
        # has not started (long sequences sit there for hundreds of steps): go on.
        if self.wait >= self.patience and (self.started or self.restore_best):
            self.model.stop_training = True

    def on_train_end(self, logs=None) -> None:
        if self.best_weights is not None:
            self.model.set_weights(self.best_weights)
