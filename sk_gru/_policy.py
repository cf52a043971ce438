"""When training stops and how the learning rate moves: the training policy.

The policy runs at epoch boundaries as a Keras callback, so it holds whichever loop
drives the epochs. Each rule was chosen by measurement (``python -m benchmarks``;
README "Training policy"):

- A validation split is trusted only when it holds at least ``MIN_VALIDATION``
  samples (``early_stopping="auto"``), as ``HistGradientBoostingClassifier`` turns
  early stopping on only for large data: five validation series stop a network at
  its first epoch.
- Smaller data are either cross-validated, one fold per member of an ensemble
  (``folds``; the members are the estimator's business), or trained until the
  training loss stops improving by ``tol`` for ``patience`` epochs, as
  ``MLPClassifier`` does. A validation loss uses a relative ``tol``: a smooth
  series reaches losses of 1e-6.
- Patience on a training loss or on a fold spans at least ``MIN_PATIENCE_STEPS``
  gradient steps, and a training-loss plateau stops nothing before the loss has
  fallen below ``STARTED`` times its first value: long series sit at their
  initial loss for hundreds of steps.
- With dropout the monitored loss is read through a moving average
  (``SMOOTHING``): one lucky epoch otherwise looks like a plateau after it.
- ``epochs="auto"`` makes at least ``MIN_STEPS`` gradient steps, unless those
  extra epochs would read more than ``MAX_EXTRA_WORK`` time steps in all: a few
  long series (a hundred of 2,000 steps) would otherwise train for many minutes.
- The adaptive schedule multiplies the learning rate by ``FACTOR`` after half the
  patience without improvement, once learning has started, and never below
  ``MIN_RATE_FRACTION`` of its initial value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import keras
import numpy as np

MIN_VALIDATION = 50
MIN_STEPS = 2000
# Time steps read (samples x steps x epochs) beyond which epochs="auto" adds no
# epochs to reach MIN_STEPS: under a minute for a GRU behind the long-series front end
# on 2 cores.
MAX_EXTRA_WORK = 40_000_000
MIN_PATIENCE_STEPS = 100
FACTOR = 0.3
STARTED = 0.9
# The rate never falls below this fraction of where it started.
MIN_RATE_FRACTION = 1e-3
# With dropout the epoch loss is noisy; the plateau is read on its exponential
# moving average with this weight on the past (a memory of about 20 epochs).
SMOOTHING = 0.95


@dataclass
class Policy:
    """What a fit does: how many samples it validates on, epochs and callbacks."""

    n_validation: int
    epochs: int
    callbacks: list = field(default_factory=list)


def validation_size(n_samples: int, early_stopping: bool | str, validation_fraction: float) -> int:
    """How many of ``n_samples`` a single fit holds out; 0 when it holds out none."""
    if early_stopping is False:
        return 0
    n_validation = math.ceil(validation_fraction * n_samples)
    if early_stopping == "auto" and n_validation < MIN_VALIDATION:
        return 0
    return n_validation if 1 <= n_validation < n_samples else 0


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
    folds: int = 0,
    noisy: bool = False,
    n_timesteps: int = 1,
) -> Policy:
    """The policy for a fit on ``n_samples`` samples.

    ``early_stopping=False`` trains for exactly ``epochs`` epochs (as ``partial_fit``
    does). ``budget=True`` (``epochs="auto"``) raises ``epochs`` to make at least
    ``MIN_STEPS`` gradient steps, within ``MAX_EXTRA_WORK`` time steps of
    ``n_timesteps`` each; otherwise ``epochs`` is the most epochs run.
    ``folds`` > 1 is a member of a cross-validated ensemble: it validates on one of
    ``folds`` parts, however small, since the members together validate on every
    sample.
    """
    if early_stopping is False:
        return Policy(n_validation=0, epochs=epochs)
    if folds > 1:
        n_validation = n_samples // folds
    else:
        n_validation = validation_size(n_samples, early_stopping, validation_fraction)
    steps = -(-(n_samples - n_validation) // batch_size)
    if budget:
        affordable = MAX_EXTRA_WORK // ((n_samples - n_validation) * n_timesteps)
        epochs = max(epochs, min(-(-MIN_STEPS // steps), affordable))
    if folds > 1 or not n_validation:  # a few noisy steps are no plateau
        patience = max(patience, -(-MIN_PATIENCE_STEPS // steps))
    plateau = Plateau(
        monitor="val_loss" if n_validation else "loss",
        patience=patience,
        tol=tol,
        adapt_learning_rate=learning_rate_schedule == "adaptive",
        restore_best=bool(n_validation),
        smoothing=SMOOTHING if noisy else 0.0,
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
    smoothing : float, default=0.0
        Weight of the past in an exponential moving average of the monitored loss,
        which the rule reads instead of the loss itself; 0 reads the loss.
    """

    def __init__(
        self,
        monitor: str,
        patience: int,
        tol: float,
        adapt_learning_rate: bool,
        restore_best: bool,
        smoothing: float = 0.0,
    ) -> None:
        super().__init__()
        self.smoothing = smoothing
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
        self.level = None
        self.floor = float(np.asarray(self.model.optimizer.learning_rate)) * MIN_RATE_FRACTION

    def on_epoch_end(self, epoch: int, logs=None) -> None:
        current = (logs or {}).get(self.monitor)
        if current is None or not np.isfinite(current):
            return
        if self.smoothing:
            if self.level is not None:
                current = self.smoothing * self.level + (1 - self.smoothing) * current
            self.level = current
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
