"""The shared core of GRUClassifier and GRURegressor.

This is the only module that imports scikeras. scikeras 0.13 is unmaintained and
broken on current scikit-learn; each repair below says what upstream does wrong.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Hashable
from numbers import Integral, Real

import keras
import numpy as np
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import BaseWrapper, KerasClassifier, KerasRegressor
from sklearn.base import BaseEstimator
from sklearn.model_selection import KFold, train_test_split
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._architecture import Architecture, hashable, loss_key
from ._network import PAD_VALUE, series_log_scale
from ._policy import training_policy, validation_size
from ._runtime import seed_from
from ._training import NetworkState, Program
from .windowing import Windows

__all__ = [
    "ClassifierLabelEncoder",
    "GRUEstimatorMixin",
    "KerasClassifier",
    "KerasRegressor",
]

# The most epochs of ``epochs="auto"``, unless tiny data need more to make
# ``_policy.MIN_STEPS`` gradient steps.
AUTO_EPOCHS = 200

# conv_filters="auto": sequences longer than _AUTO_CONV_STEPS get two convolution
# blocks of _AUTO_CONV_WIDTH filters with pooling in front of the GRU, and longer
# than 4 times that three, so that the GRU reads 4 to 16 steps (up to 1024). Of three
# blocks the first, which reads every step, has half the width: it took most of the
# time of a fit on long series, and the narrower one learnt as well in
# cross-validation on OSULeaf's training split. Chosen on the time-series section
# of ``python -m benchmarks``.
_AUTO_CONV_STEPS = 64
_AUTO_CONV_WIDTH = 64

# pooling="auto": behind the front end, the head reads the mean of the GRU's outputs
# over time on series of one length, where it beat the last state; on padded
# variable-length series the last state did as well or better. normalize="auto": a
# classifier standardises each series by itself where the training series' standard
# deviations spread over more than a factor e (the standard deviation of their
# logarithm), as appliance currents do, and not where they are alike, where it did
# worse. Both chosen on the time-series section of ``python -m benchmarks``.
_AUTO_SERIES_SPREAD = 1.0

# Loss and optimizer built from plain parameter values, memoised: scikeras builds
# two optimizers per call, as long as a whole small fit.
_COMPONENTS_MEMO_SIZE = 256
_components_memo: dict[Hashable, tuple] = {}


def _plain(value) -> bool:
    """A value that stands for itself: memoising on it cannot confuse two objects."""
    if isinstance(value, list | tuple):
        return all(_plain(item) for item in value)
    if value is None or isinstance(value, str | Real):
        return True
    # Classes and functions defined at a module's top level live as long as it does.
    return callable(value) and "<" not in getattr(value, "__qualname__", "<")


def _member_seed(seed: int, k: int) -> int:
    """The seed of member ``k`` of an ensemble; member 0 keeps the estimator's."""
    return seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0] >> 1)


def _averaging_model(members: list[keras.Model]) -> keras.Model:
    """One model whose output is the mean of the members' outputs."""
    (spec,) = members[0].inputs
    inputs = keras.Input(shape=spec.shape[1:], dtype=spec.dtype, name="sequences")
    outputs = keras.layers.Average(name="mean")([member(inputs) for member in members])
    return keras.Model(inputs, outputs, name="ensemble")


def _complete_windows(X: np.ndarray, *parts) -> tuple[bool, np.ndarray, ...]:
    """Whether windows were left out, then ``X`` and ``parts`` without them.

    SequenceWindower pads its first ``window - 1`` windows in front: histories
    shorter than any that a forecast reads, which made short series' recursive
    forecasts drift (docs/user_guide/training_policy.md). All windows are kept
    when none is complete.
    """
    complete = ~np.all(X[:, 0] == np.float32(PAD_VALUE), axis=-1)
    if complete.all() or not complete.any():
        return (False, X, *parts)
    return (True, X[complete], *(None if part is None else part[complete] for part in parts))


def _warn_if_channels_first(X: np.ndarray, name: str) -> None:
    """Warn where a 3-D shape reads better as (n_samples, n_features, n_timesteps)."""
    steps, features = X.shape[1:]
    if steps < features and (steps == 1 or features >= 8 * steps):
        warnings.warn(
            f"{name} reads X of shape {X.shape} as {steps} time step(s) of {features} "
            f"features each (n_samples, n_timesteps, n_features). If it holds "
            f"(n_samples, n_channels, n_timepoints), as aeon and sktime do, pass "
            f"data_format='channels_first'; pass data_format='channels_last' to keep "
            f"this reading without the warning.",
            UserWarning,
            stacklevel=4,
        )


def _sequence_shape(X: np.ndarray) -> tuple[int, int]:
    """(n_timesteps, n_features) of one sequence; 2-D input has one feature per step."""
    return (X.shape[1], X.shape[2] if X.ndim == 3 else 1)


class GRUEstimatorMixin:
    """Everything GRUClassifier and GRURegressor share.

    Subclasses put this mixin first and a scikeras wrapper second, and define
    ``_output_layer``, ``_default_loss``, ``_check_targets`` and ``_split_stratify``,
    and the members' policy on data too small for a trusted validation split:
    ``_auto_members`` and ``_members_cross_validate``.
    """

    _parameter_constraints: dict = {
        "units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "bidirectional": ["boolean"],
        "dense_units": [tuple, list],
        "conv_filters": [tuple, list, StrOptions({"auto"})],
        "conv_kernel_size": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "conv_pool_size": [Interval(Integral, 1, None, closed="left")],
        "conv_layout": [StrOptions({"serial", "parallel"})],
        "pooling": [StrOptions({"auto", "last", "mean"})],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "mask_value": [Real, None],
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "normalize": ["boolean", StrOptions({"auto", "series"})],
        "optimizer": [str, type, keras.optimizers.Optimizer],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "loss": [str, callable, keras.losses.Loss, None],
        "metrics": [list, tuple, None],
        "epochs": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean", StrOptions({"auto"})],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "tol": [Interval(Real, 0, None, closed="left")],
        "learning_rate_schedule": [StrOptions({"adaptive", "constant"})],
        "callbacks": [list, tuple, keras.callbacks.Callback, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "n_members": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "data_format": [StrOptions({"channels_last", "channels_first"}), None],
    }
    # Where routed parameters go: the network builder, scikeras's optimizer and loss
    # construction, and the callbacks. (sk_gru runs no keras.Model.fit or predict.)
    _routing_prefixes = {"model", "optimizer", "loss", "callbacks"}

    # -- scikit-learn protocol -------------------------------------------------

    __repr__ = BaseEstimator.__repr__  # scikeras replaces it with a tab-separated dump

    def _get_param_names(self) -> list[str]:
        # scikeras lists every public attribute without a trailing underscore; we do
        # the same, so routed parameters given to the constructor (``model__units``)
        # round-trip through get_params, clone and grid search.
        names = BaseEstimator._get_param_names.__func__(type(self))
        extra = (key for key in vars(self) if not key.startswith("_") and not key.endswith("_"))
        return sorted({*names, *extra})

    def _check_routed_params(self) -> None:
        own = set(BaseEstimator._get_param_names.__func__(type(self)))
        for key in self.get_params(deep=False):
            if key not in own and key.split("__", 1)[0] not in self._routing_prefixes:
                prefixes = ", ".join(sorted(p + "__" for p in self._routing_prefixes))
                raise ValueError(
                    f"Unknown parameter {key!r} for {type(self).__name__}. Parameters that "
                    f"are not in its signature need a routing prefix: {prefixes}."
                )

    def __sklearn_tags__(self):
        # scikeras sets only the pre-1.6 `_more_tags`, and its mixin order hides
        # ClassifierMixin/RegressorMixin tags, so is_classifier() was False.
        tags = BaseEstimator.__sklearn_tags__(self)
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags

    def __sklearn_is_fitted__(self) -> bool:
        return "_network_states" in vars(self)

    # -- fitting ----------------------------------------------------------------

    def fit(self, X, y, sample_weight=None):
        """Fit the network to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Training sequences. 2-D input is read as univariate sequences. Of the
            output of ``SequenceWindower``, the windows that start before the
            series (padded in front) are left out when any window is complete.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._fit(
            X,
            y,
            sample_weight=sample_weight,
            warm_start=self.warm_start,
            epochs=self.epochs,
            initial_epoch=0,
        )
        return self

    def partial_fit(self, X, y, sample_weight=None):
        """Train for one more epoch, keeping the weights (no early stopping).

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Training sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : object
            The updated estimator.
        """
        self._fit(
            X,
            y,
            sample_weight=sample_weight,
            warm_start=True,
            epochs=1,
            initial_epoch=self.current_epoch,
            _partial=True,
        )
        return self

    def _fit(
        self,
        X,
        y,
        sample_weight,
        warm_start: bool,
        epochs: int,
        initial_epoch: int,
        _partial: bool = False,
    ) -> None:
        self._validate_params()
        self._check_routed_params()
        self._check_layer_sizes()
        saved_state = dict(vars(self))
        try:
            self._fit_unguarded(X, y, sample_weight, warm_start, epochs, initial_epoch, _partial)
        except BaseException:
            # An interrupted or failed fit leaves the estimator as it was before: its
            # weights live in a NetworkState that a fit replaces, never changes.
            vars(self).clear()
            vars(self).update(saved_state)
            raise

    def _check_layer_sizes(self) -> None:
        for name in ("units", "dense_units", "conv_filters"):
            value = getattr(self, name)
            if value == "auto":
                continue
            sizes = (value,) if isinstance(value, Integral) else value
            if (name == "units" and len(sizes) == 0) or not all(
                isinstance(size, Integral) and size >= 1 for size in sizes
            ):
                raise ValueError(
                    f"The '{name}' parameter of {type(self).__name__} must hold integers "
                    f">= 1{' (at least one)' if name == 'units' else ''}. "
                    f"Got {value!r} instead."
                )
        kernels = self.conv_kernel_size
        if not isinstance(kernels, Integral) and (
            self.conv_filters == "auto"
            or len(kernels) != len(self.conv_filters)
            or not all(isinstance(k, Integral) and k >= 1 for k in kernels)
        ):
            raise ValueError(
                f"The 'conv_kernel_size' parameter of {type(self).__name__} must be an "
                f"integer >= 1 or one such integer per convolution block "
                f"(conv_filters={self.conv_filters!r}). Got {kernels!r} instead."
            )

    def _fit_unguarded(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, partial
    ) -> None:
        reinitialize = not (warm_start and self.__sklearn_is_fitted__())
        if reinitialize:
            vars(self).pop("_architecture", None)  # fixed anew from the parameters
        else:
            self._check_architecture_unchanged()
            self._check_members_unchanged()
        if y is None:  # scikit-learn's message for a missing target
            validate_data(self, X, y)
        windows = isinstance(X, Windows)
        X, y = self._validate_data(X, y, reset=reinitialize)
        sample_weight = self._fit_sample_weight(X, y, sample_weight)
        left_out = False
        if windows:
            left_out, X, y, sample_weight = _complete_windows(X, y, sample_weight)
        seed = seed_from(self.random_state)
        if seed is None:
            seed = int(np.random.default_rng().integers(np.iinfo(np.int32).max))
        if reinitialize:
            self._initialize_model(X, y, mask=left_out)
        program = self._program()
        x = self._network_input(X)
        targets = np.asarray(self.target_encoder_.transform(y))
        targets = targets.reshape(len(targets), -1)
        weights = (
            np.ones(len(x), np.float32)
            if sample_weight is None
            else np.asarray(sample_weight, np.float32)
        )
        data = (x, targets, weights)
        early_stopping = False if partial else self.early_stopping
        if reinitialize:
            n_members = self._n_members(x.shape, early_stopping)
        else:
            n_members = len(self._network_states)
        folds = self._cross_validation_folds(len(x), n_members, early_stopping)
        if reinitialize:
            states = [
                NetworkState(self._initial_variables(program, _member_seed(seed, k)))
                for k in range(n_members)
            ]
        else:
            states = self._network_states
        policy = training_policy(
            n_samples=len(x),
            batch_size=self.batch_size,
            epochs=AUTO_EPOCHS if epochs == "auto" else epochs,
            budget=epochs == "auto",
            early_stopping=early_stopping,
            validation_fraction=self.validation_fraction,
            patience=self.patience,
            tol=self.tol,
            learning_rate_schedule=self.learning_rate_schedule,
            folds=folds,
            noisy=self.dropout > 0 or self.recurrent_dropout > 0,
            n_timesteps=x.shape[1],
        )
        splits = self._member_splits(data, len(states), folds, policy.n_validation, seed)
        fitted_states = []
        for k, (state, (train, validation)) in enumerate(zip(states, splits, strict=True)):
            learning_rate = None  # a state without optimizer moments starts at the set rate
            if state.optimizer_variables is None:
                learning_rate = self._learning_rate()
            fitted, history = program.fit(
                state,
                train,
                validation=validation,
                batch_size=self.batch_size,
                shuffle=self.shuffle,
                seed=_member_seed(seed, k),
                epochs=policy.epochs,
                initial_epoch=initial_epoch,
                learning_rate=learning_rate,
                callbacks=[*policy.callbacks, *self._user_callbacks()],
                verbose=int(self.verbose),
                metrics=self._metric_logs(train, validation) if self.metrics else None,
                widths=self._architecture.widths,
                dropout=self._architecture.network["dropout"],
            )
            fitted_states.append(fitted)
            if k == 0:
                first_history = history  # history_ and n_iter_ are the first member's
        self._network_states = tuple(fitted_states)
        self.n_members_ = len(fitted_states)
        self._refresh_model()
        if reinitialize or not hasattr(self, "history_"):
            self.history_ = defaultdict(list)
        for key, values in first_history.items():
            self.history_[key] += values
        self.n_iter_ = len(first_history.get("loss", ()))

    def _n_members(self, shape: tuple[int, ...], early_stopping: bool | str) -> int:
        """How many networks a new fit trains on network input of ``shape``."""
        if self.n_members != "auto":
            return self.n_members
        if early_stopping != "auto" or validation_size(
            shape[0], early_stopping, self.validation_fraction
        ):
            return 1
        return self._auto_members(n_samples=shape[0], n_timesteps=shape[1])

    def _cross_validation_folds(
        self, n_samples: int, n_members: int, early_stopping: bool | str
    ) -> int:
        """How many folds the members validate on; 0 when they do not cross-validate.

        With ``early_stopping="auto"``, a regressor's data too small for one trusted
        validation split are cross-validated when there are several members:
        together they validate on every sample. A classifier's members train on all
        of them, as one network does.
        """
        if (
            not self._members_cross_validate
            or early_stopping != "auto"
            or validation_size(n_samples, early_stopping, self.validation_fraction)
        ):
            return 0
        return n_members if n_members > 1 and n_samples >= 2 * n_members else 0

    def _member_splits(self, data, n_members: int, folds: int, n_validation: int, seed: int):
        """``(train, validation)`` data of each member; validation None without one."""
        if folds:
            cv = KFold(folds, shuffle=True, random_state=seed % 2**32)
            return [
                (tuple(part[train] for part in data), tuple(part[val] for part in data))
                for train, val in cv.split(data[0])
            ]
        if not n_validation:
            return [(data, None)] * n_members
        stratify = self._split_stratify(data[1], n_validation)
        splits = []
        for k in range(n_members):
            parts = train_test_split(
                *data,
                test_size=n_validation,
                random_state=_member_seed(seed, k),
                stratify=stratify,
            )
            splits.append((tuple(parts[0::2]), tuple(parts[1::2])))
        return splits

    def _check_members_unchanged(self) -> None:
        fitted = len(self._network_states)
        if self.n_members not in ("auto", fitted):
            raise ValueError(
                f"{type(self).__name__} cannot continue training (warm_start=True or "
                f"partial_fit) after a change of n_members: {fitted} networks were "
                f"fitted, n_members={self.n_members!r} now."
            )

    def _fit_sample_weight(self, X, y, sample_weight):
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=np.float32)

    def _initialize(self, X, y=None):
        # scikeras's public ``initialize`` builds without fitting; route it here.
        vars(self).pop("_architecture", None)
        X, y = self._validate_data(X, y, reset=True)
        self._initialize_model(X, y)
        program = self._program()
        self._network_states = (
            NetworkState(self._initial_variables(program, seed_from(self.random_state) or 0)),
        )
        self._refresh_model()
        return X, y

    def _initialize_model(self, X, y, mask: bool = False) -> None:
        """Fit the target encoder and the input statistics; fix the architecture.

        ``mask``: mask padding even if ``X`` holds none (padded windows were left out).
        """
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(getattr(self.target_encoder_, "get_metadata", dict)())
        self._set_input_statistics(X, mask)
        self._architecture = self._current_architecture()

    def _current_architecture(self) -> Architecture:
        """The architecture that the parameters set now give, on the fitted data."""
        loss, optimizer_class, optimizer_config = self._loss_and_optimizer()
        return Architecture(self._network_params(), loss, optimizer_class, optimizer_config)

    def _check_architecture_unchanged(self) -> None:
        """warm_start and partial_fit go on training the fitted network, as it is."""
        changed = self._current_architecture().changes_from(self._architecture)
        if changed:
            raise ValueError(
                f"{type(self).__name__} cannot continue training (warm_start=True or "
                f"partial_fit) after a change of {', '.join(changed)}: these change the "
                "network it was fitted with. Set them back, or refit with warm_start=False."
            )

    def _loss_and_optimizer(self) -> tuple:
        """The built loss, and the optimizer's class and config (memoised)."""
        params = self.get_params(deep=False)
        routed = sorted(
            (k, v) for k, v in params.items() if k.startswith(("optimizer__", "loss__"))
        )
        loss = self.loss or loss_key(self._default_loss())
        values = (self.optimizer, loss, self.learning_rate, routed)
        memo_key = hashable(values) if _plain(values) else None
        if memo_key in _components_memo:
            return _components_memo[memo_key]
        compiled = self._get_compile_kwargs()
        optimizer = compiled["optimizer"]
        components = (compiled["loss"], type(optimizer), optimizer.get_config())
        if memo_key is not None:
            if len(_components_memo) >= _COMPONENTS_MEMO_SIZE:
                _components_memo.clear()
            _components_memo[memo_key] = components
        return components

    def _set_input_statistics(self, X: np.ndarray, mask: bool = False) -> None:
        self.series_normalized_ = False
        if self.embedding_dim is not None:
            self.vocabulary_size_ = max(int(X.max()) + 1, 2)
            self.masked_ = False  # the embedding masks id 0 itself
            return
        series = self._network_input(X)
        steps = series.reshape(-1, series.shape[-1])
        padded = self._padded_steps(steps)
        # A Masking layer costs about a fifth of predict time, so it is built only
        # when the training data hold padding, left out or not; _check_padding
        # guards predict.
        self.masked_ = bool(padded.any()) or (mask and self.mask_value is not None)
        kept = steps[~padded]
        if len(kept) == 0:
            kept = np.zeros((1, steps.shape[1]), dtype=np.float32)
        self.input_mean_ = kept.mean(axis=0, dtype=np.float64)
        self.input_variance_ = kept.var(axis=0, dtype=np.float64)
        if self.normalize == "series" or (
            self.normalize == "auto" and self._auto_series_normalization
        ):
            kept_steps = ~padded.reshape(series.shape[:2])
            mean = self.input_mean_.astype(np.float32)
            scale = np.maximum(np.sqrt(self.input_variance_), keras.backend.epsilon())
            centred = np.where(kept_steps[..., None], series - mean, 0.0)
            log_scale = series_log_scale(centred / scale.astype(np.float32), kept_steps)
            self.series_log_scale_mean_ = log_scale.mean(axis=0)
            self.series_log_scale_variance_ = log_scale.var(axis=0)
            spread = float(np.sqrt(self.series_log_scale_variance_.max()))
            self.series_normalized_ = self.normalize == "series" or spread > _AUTO_SERIES_SPREAD

    def _program(self) -> Program:
        """The cached program of the architecture fixed at fit."""
        return self._architecture.program()

    def _initial_variables(self, program: Program, seed: int) -> list[np.ndarray]:
        values = program.initial_variables(seed, self._architecture.widths)
        statistics = {}
        if self.embedding_dim is None and self.normalize:
            statistics["standardize"] = (self.input_mean_, self.input_variance_)
        if self.embedding_dim is None and self.series_normalized_:
            statistics["series_standardize"] = (
                self.series_log_scale_mean_,
                self.series_log_scale_variance_,
            )
        position = {id(v): i for i, v in enumerate(program.model.variables)}
        for layer, layer_values in statistics.items():
            for variable, value in zip(
                program.model.get_layer(layer).variables, layer_values, strict=True
            ):
                values[position[id(variable)]] = value.astype(np.float32)
        return values

    def _get_compile_kwargs(self) -> dict:
        kwargs = BaseWrapper._get_compile_kwargs(self)
        if kwargs["loss"] is None:
            kwargs["loss"] = self._default_loss()
        if not isinstance(self.optimizer, keras.optimizers.Optimizer) and (
            "optimizer__learning_rate" not in self.get_params(deep=False)
        ):
            kwargs["optimizer"].learning_rate = self.learning_rate
        return kwargs

    def _learning_rate(self) -> float | None:
        """The learning rate a fresh optimizer starts with; None for a schedule."""
        if isinstance(self.optimizer, keras.optimizers.Optimizer):
            rate = self.optimizer._learning_rate
        else:
            rate = self.get_params(deep=False).get("optimizer__learning_rate", self.learning_rate)
        if isinstance(rate, keras.optimizers.schedules.LearningRateSchedule):
            return None
        return float(keras.ops.convert_to_numpy(rate))

    def _user_callbacks(self) -> list:
        self._initialize_callbacks()  # scikeras's routing of callbacks__
        return list(self._fit_callbacks)

    def _metric_logs(self, data, validation):
        """Epoch-end values of the ``metrics`` on the training (and validation) data."""
        metrics = [keras.metrics.get(metric) for metric in self.metrics]

        def logs(program: Program, has_validation: bool) -> dict:
            parts = {"": data, "val_": validation} if has_validation else {"": data}
            values = {}
            for prefix, (x, y, w) in parts.items():
                predicted = program.model(x, training=False)
                for metric in metrics:
                    metric.reset_state()
                    metric.update_state(y, predicted, sample_weight=w)
                    values[prefix + metric.name] = float(metric.result())
            return values

        return logs

    def _routed(self, destination: str) -> dict:
        prefix = destination + "__"
        return {
            key[len(prefix) :]: value
            for key, value in self.get_params(deep=False).items()
            if key.startswith(prefix)
        }

    def _conv_filters(self) -> tuple[int, ...]:
        """The convolution blocks; "auto" adds two or three for long sequences."""
        if self.conv_filters != "auto":
            return tuple(self.conv_filters)
        if self.embedding_dim is not None:
            return ()
        steps = self.input_shape_[0]
        if steps > 4 * _AUTO_CONV_STEPS:
            return (_AUTO_CONV_WIDTH // 2, _AUTO_CONV_WIDTH, _AUTO_CONV_WIDTH)
        return (_AUTO_CONV_WIDTH,) * 2 * (steps > _AUTO_CONV_STEPS)

    def _pooling(self) -> str:
        """What the head reads; "auto" averages over time behind convolution blocks,
        on series of one length."""
        if self.pooling != "auto":
            return self.pooling
        return "mean" if self._conv_filters() and not self.masked_ else "last"

    def _network_params(self) -> dict:
        n_outputs, activation = self._output_layer()
        params = {
            "input_shape": tuple(self.input_shape_),
            "n_outputs": n_outputs,
            "output_activation": activation,
            "units": self.units,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "dense_units": tuple(self.dense_units),
            "conv_filters": self._conv_filters(),
            "conv_kernel_size": (
                self.conv_kernel_size
                if isinstance(self.conv_kernel_size, Integral)
                else tuple(self.conv_kernel_size)
            ),
            "conv_pool_size": self.conv_pool_size,
            "conv_layout": self.conv_layout,
            "pooling": self._pooling(),
            "mask_value": self.mask_value if self.masked_ else None,
            "embedding_dim": self.embedding_dim,
            "normalize": self.embedding_dim is None
            and ("series" if self.series_normalized_ else bool(self.normalize)),
            **self._routed("model"),
        }
        if self.embedding_dim is not None:
            params["vocabulary_size"] = self.vocabulary_size_
        return params

    @property
    def model_(self) -> keras.Model:
        """The fitted network as a ``keras.Model``, built on first access.

        With several members, a model that averages their outputs; each member is
        a compiled model of its own.
        """
        if "_network_states" not in vars(self):
            raise AttributeError(f"This {type(self).__name__} has no model_: it is not fitted.")
        if vars(self).get("_model") is None:
            members = [self._architecture.model() for _ in self._network_states]
            self._model_members, self._model_architecture = members, self._architecture
            self._model = members[0] if len(members) == 1 else _averaging_model(members)
            self._refresh_model()
        return self._model

    def _refresh_model(self) -> None:
        """Copy the fitted weights into ``model_`` once it has been built."""
        if vars(self).get("_model") is None:
            return
        members = self._model_members
        if self._model_architecture is not self._architecture or len(members) != len(
            self._network_states
        ):
            self._model = None  # refitted: rebuilt on access, with fresh optimizers
            return
        for model, state in zip(members, self._network_states, strict=True):
            for variable, value in zip(model.variables, state.variables, strict=True):
                variable.assign(value)
            if state.optimizer_variables is not None:
                pairs = zip(model.optimizer.variables, state.optimizer_variables, strict=True)
                for variable, value in pairs:
                    variable.assign(value)

    def __getstate__(self) -> dict:
        state = dict(vars(self))
        for name in ("_model", "_model_members"):  # rebuilt from the weights on access
            state.pop(name, None)
        return state

    def __setstate__(self, state: dict) -> None:
        vars(self).update(state)

    # -- data ---------------------------------------------------------------------

    def _validate_data(self, X=None, y=None, reset: bool = False, y_numeric: bool = False):
        name = type(self).__name__
        if X is None:  # scikeras's ``score`` checks y alone
            return None, self._check_targets(np.asarray(y))
        windows = isinstance(X, Windows)  # SequenceWindower's output: its layout is known
        if y is None:
            X = validate_data(self, X, reset=reset, allow_nd=True, dtype="numeric")
        else:
            X, y = validate_data(
                self,
                X,
                y,
                reset=reset,
                allow_nd=True,
                multi_output=True,
                dtype="numeric",
                y_numeric=self._y_numeric,
            )
        if X.ndim not in (2, 3):
            raise ValueError(
                f"{name} expects X of shape (n_samples, n_timesteps) or (n_samples, "
                f"n_timesteps, n_features); got an array with {X.ndim} dimensions."
            )
        if X.ndim == 3 and self.data_format == "channels_first":
            X = np.ascontiguousarray(X.transpose(0, 2, 1))
        elif X.ndim == 3 and reset and self.data_format is None and not windows:
            _warn_if_channels_first(X, name)
        if self._input_embedding_dim() is not None:
            X = self._check_token_ids(X, reset)
        elif reset:
            self.input_shape_ = _sequence_shape(X)
        elif _sequence_shape(X) != self.input_shape_:
            raise ValueError(
                f"X has sequences of shape {X.shape[1:]}, but {name} was fitted on "
                f"sequences of shape {self.input_shape_} (n_timesteps, n_features)."
            )
        if y is not None:
            y = self._check_targets(y)
        return X, y

    def _check_token_ids(self, X: np.ndarray, reset: bool) -> np.ndarray:
        name = type(self).__name__
        if X.ndim != 2:
            raise ValueError(
                f"With embedding_dim set, {name} expects token ids of shape "
                f"(n_samples, n_timesteps); got an array with {X.ndim} dimensions."
            )
        if np.any(X < 0) or np.any(np.round(X) != X):
            raise ValueError(
                f"With embedding_dim set, X must hold non-negative integer token ids; "
                f"got values such as {X[(X < 0) | (np.round(X) != X)][0]!r}."
            )
        X = X.astype(np.int32)
        if reset:
            self.input_shape_ = (X.shape[1],)
        elif X.max(initial=0) >= self.vocabulary_size_:
            raise ValueError(
                f"X holds token id {int(X.max())}, but {name} was fitted on ids below "
                f"{self.vocabulary_size_}. Map unseen tokens to an out-of-vocabulary id."
            )
        return X

    def _input_embedding_dim(self) -> int | None:
        """``embedding_dim`` as fitted: it decides what input the network reads."""
        architecture = vars(self).get("_architecture")
        return self.embedding_dim if architecture is None else architecture.network["embedding_dim"]

    def _padded_steps(self, steps: np.ndarray) -> np.ndarray:
        """Which rows of ``steps`` (n_steps, n_features) are padding."""
        if self.mask_value is None:
            return np.zeros(len(steps), dtype=bool)
        return np.all(steps == np.float32(self.mask_value), axis=1)

    def _check_padding(self, X: np.ndarray) -> None:
        unmasked = self._input_embedding_dim() is None and not self.masked_
        if unmasked and self._padded_steps(X.reshape(-1, X.shape[-1])).any():
            raise ValueError(
                f"X holds padded time steps (equal to mask_value={self.mask_value}), "
                f"but the training data of this {type(self).__name__} held none, so "
                "its network has no masking. Fit on data with padding, such as the "
                "output of SequenceWindower."
            )

    def _network_input(self, X: np.ndarray) -> np.ndarray:
        if self._input_embedding_dim() is not None:
            return X.astype(np.int32, copy=False)
        X = X.astype(np.float32, copy=False)
        return X[..., np.newaxis] if X.ndim == 2 else X

    # -- prediction -----------------------------------------------------------------

    def _is_clean_float_array(self, X) -> bool:
        """True for input that full validation would pass unchanged (the hot path)."""
        return (
            type(X) in (np.ndarray, Windows)
            and X.dtype.kind == "f"
            and (X.ndim == 2 or self.data_format != "channels_first")
            and self._input_embedding_dim() is None
            and X.ndim in (2, 3)
            and X.shape[0] > 0
            and _sequence_shape(X) == self.input_shape_
            and not hasattr(self, "feature_names_in_")
            and np.isfinite(X).all()
        )

    def _predict_raw(self, X) -> np.ndarray:
        check_is_fitted(self)
        if not self._is_clean_float_array(X):
            X, _ = self._validate_data(X, reset=False)
        X = self._network_input(X)
        self._check_padding(X)
        program = self._program()
        outputs = [program.infer(state, X).astype(np.float64) for state in self._network_states]
        return outputs[0] if len(outputs) == 1 else np.mean(outputs, axis=0)
