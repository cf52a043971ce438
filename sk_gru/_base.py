"""The shared core of GRUClassifier and GRURegressor.

This is the only module that imports scikeras. scikeras 0.13 is unmaintained and
broken on current scikit-learn; each repair below says what upstream does wrong.
"""

from __future__ import annotations

from collections import defaultdict
from numbers import Integral, Real

import keras
import numpy as np
import tensorflow as tf
from scikeras.utils.transformers import ClassifierLabelEncoder
from scikeras.wrappers import BaseWrapper, KerasClassifier, KerasRegressor
from sklearn.base import BaseEstimator
from sklearn.model_selection import train_test_split
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ._network import build_gru_network
from ._runtime import (
    compiled_predict_function,
    drop_training_functions,
    prepare_training_functions,
    released_training_graphs,
    seed_from,
    training_batches,
)

__all__ = [
    "ClassifierLabelEncoder",
    "GRUEstimatorMixin",
    "KerasClassifier",
    "KerasRegressor",
]

# Rows per call of the compiled predict function; bounds memory on huge inputs.
_PREDICT_CHUNK = 16_384


def _sequence_shape(X: np.ndarray) -> tuple[int, int]:
    """(n_timesteps, n_features) of one sequence; 2-D input has one feature per step."""
    return (X.shape[1], X.shape[2] if X.ndim == 3 else 1)


class GRUEstimatorMixin:
    """Everything GRUClassifier and GRURegressor share.

    Subclasses put this mixin first and a scikeras wrapper second, and define
    ``_output_layer``, ``_default_loss``, ``_check_targets`` and ``_split_stratify``.
    """

    _parameter_constraints: dict = {
        "units": [Interval(Integral, 1, None, closed="left"), tuple, list],
        "bidirectional": ["boolean"],
        "dense_units": [tuple, list],
        "dropout": [Interval(Real, 0, 1, closed="left")],
        "recurrent_dropout": [Interval(Real, 0, 1, closed="left")],
        "mask_value": [Real, None],
        "embedding_dim": [Interval(Integral, 1, None, closed="left"), None],
        "normalize": ["boolean"],
        "optimizer": [str, type, keras.optimizers.Optimizer],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "loss": [str, callable, keras.losses.Loss, None],
        "metrics": [list, tuple, None],
        "epochs": [Interval(Integral, 1, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "patience": [Interval(Integral, 0, None, closed="left")],
        "learning_rate_schedule": [StrOptions({"adaptive", "constant"})],
        "callbacks": [list, tuple, keras.callbacks.Callback, None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
    }
    _routing_prefixes = BaseWrapper._routing_prefixes | {"callbacks"}

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
        return hasattr(self, "model_")

    # -- fitting ----------------------------------------------------------------

    def fit(self, X, y, sample_weight=None, **kwargs):
        """Fit the network to sequences ``X`` and targets ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Training sequences. 2-D input is read as univariate sequences.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Targets.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.
        **kwargs : dict
            Extra arguments for ``keras.Model.fit``.

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
            **kwargs,
        )
        return self

    def partial_fit(self, X, y, sample_weight=None, **kwargs):
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
        **kwargs : dict
            Extra arguments for ``keras.Model.fit``.

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
            **kwargs,
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
        **kwargs,
    ) -> None:
        self._validate_params()
        self._check_routed_params()
        self._check_layer_sizes()
        saved_state = dict(vars(self))
        saved_variables = None
        if self.__sklearn_is_fitted__():  # weights and the optimizer's moments
            saved_variables = [v.numpy() for v in self._trained_variables()]
        try:
            self._fit_unguarded(
                X, y, sample_weight, warm_start, epochs, initial_epoch, _partial, kwargs
            )
        except BaseException:
            # An interrupted or failed fit leaves the estimator as it was before.
            vars(self).clear()
            vars(self).update(saved_state)
            if saved_variables is not None:
                # Not strict: after `initialize`, the optimizer is first built in fit,
                # and its new moments cannot go back to not existing.
                restored = zip(self._trained_variables(), saved_variables, strict=False)
                for variable, value in restored:
                    variable.assign(value)
            raise

    def _trained_variables(self) -> list:
        return [*self.model_.variables, *self.model_.optimizer.variables]

    def _check_layer_sizes(self) -> None:
        for name in ("units", "dense_units"):
            value = getattr(self, name)
            sizes = (value,) if isinstance(value, Integral) else value
            if (name == "units" and len(sizes) == 0) or not all(
                isinstance(size, Integral) and size >= 1 for size in sizes
            ):
                raise ValueError(
                    f"The '{name}' parameter of {type(self).__name__} must hold integers "
                    f">= 1{'' if name == 'dense_units' else ' (at least one)'}. "
                    f"Got {value!r} instead."
                )

    def _fit_unguarded(
        self, X, y, sample_weight, warm_start, epochs, initial_epoch, partial, kwargs
    ) -> None:
        reinitialize = not (warm_start and self.__sklearn_is_fitted__())
        if y is None:  # scikit-learn's message for a missing target
            validate_data(self, X, y)
        X, y = self._validate_data(X, y, reset=reinitialize)
        sample_weight = self._fit_sample_weight(X, y, sample_weight)
        seed = seed_from(self.random_state)
        with released_training_graphs():
            if reinitialize:
                self._initialize_model(X, y)
            self._initialize_callbacks()
            fit_args = self._fit_arguments(
                self._network_input(X),
                self.target_encoder_.transform(y),
                sample_weight,
                seed,
                self.early_stopping and not partial,
                initial_epoch,
            )
            prepare_training_functions(self.model_)
            history = self.model_.fit(
                epochs=initial_epoch + epochs,
                initial_epoch=initial_epoch,
                verbose=int(self.verbose),
                **{**fit_args, **self._routed("fit"), **kwargs},
            )
        if not partial:  # partial_fit keeps them: it is called again and again
            drop_training_functions(self.model_)
        if reinitialize or not hasattr(self, "history_"):
            self.history_ = defaultdict(list)
        for key, values in history.history.items():
            self.history_[key] += [float(v) for v in values]
        self.n_iter_ = len(history.history.get("loss", ()))

    def _routed(self, destination: str) -> dict:
        prefix = destination + "__"
        return {
            key[len(prefix) :]: value
            for key, value in self.get_params(deep=False).items()
            if key.startswith(prefix) and key != "fit__callbacks"
        }

    def _fit_arguments(self, X, y, sample_weight, seed, early_stopping, initial_epoch) -> dict:
        """Split off the validation set; batch the rest and assemble the callbacks."""
        callbacks = list(self._fit_callbacks)
        arrays = (X, y) if sample_weight is None else (X, y, sample_weight)
        n_val = int(np.ceil(self.validation_fraction * len(X)))
        validation = {}
        if early_stopping and 1 <= n_val < len(X):
            stratify = self._split_stratify(y, n_val)
            parts = train_test_split(*arrays, test_size=n_val, random_state=seed, stratify=stratify)
            arrays = tuple(parts[0::2])
            validation = {
                "validation_data": tuple(parts[1::2]),
                "validation_batch_size": self.batch_size,
            }
            callbacks.append(
                keras.callbacks.EarlyStopping(
                    monitor="val_loss", patience=self.patience, restore_best_weights=True
                )
            )
            if self.learning_rate_schedule == "adaptive":
                callbacks.append(
                    keras.callbacks.ReduceLROnPlateau(
                        monitor="val_loss", factor=0.3, patience=max(1, self.patience // 2)
                    )
                )
        batches, steps = training_batches(
            arrays, self.batch_size, self.shuffle, seed, first_epoch=initial_epoch
        )
        # shuffle=False tells Keras the batches come shuffled already; with
        # steps_per_epoch it keeps drawing from one iterator across epochs.
        return {
            "x": batches,
            "steps_per_epoch": steps,
            "shuffle": False,
            "callbacks": callbacks,
            **validation,
        }

    def _fit_sample_weight(self, X, y, sample_weight):
        if sample_weight is None:
            return None
        return _check_sample_weight(sample_weight, X, dtype=np.float32)

    def _initialize(self, X, y=None):
        # scikeras's public ``initialize`` builds without fitting; route it here.
        X, y = self._validate_data(X, y, reset=True)
        self._initialize_model(X, y)
        self._initialize_callbacks()
        return X, y

    def _initialize_model(self, X, y) -> None:
        self.target_encoder_ = self.target_encoder.fit(y)
        vars(self).update(getattr(self.target_encoder_, "get_metadata", dict)())
        self._set_input_statistics(X)
        self.model_ = self._build_keras_model()
        self.model_.compile(**self._get_compile_kwargs())

    def _set_input_statistics(self, X: np.ndarray) -> None:
        if self.embedding_dim is not None:
            self.vocabulary_size_ = max(int(X.max()) + 1, 2)
            self.masked_ = False  # the embedding masks id 0 itself
            return
        steps = self._network_input(X).reshape(-1, X.shape[-1] if X.ndim == 3 else 1)
        padded = self._padded_steps(steps)
        # A Masking layer costs about a fifth of predict time, so it is built only
        # when the training data hold padding; _check_padding guards predict.
        self.masked_ = bool(padded.any())
        steps = steps[~padded]
        if len(steps) == 0:
            steps = np.zeros((1, steps.shape[1]), dtype=np.float32)
        self.input_mean_ = steps.mean(axis=0, dtype=np.float64)
        self.input_variance_ = steps.var(axis=0, dtype=np.float64)

    def _build_keras_model(self) -> keras.Model:
        n_outputs, activation = self._output_layer()
        model_params = self._routed("model")
        params = {
            "units": self.units,
            "bidirectional": self.bidirectional,
            "dropout": self.dropout,
            "recurrent_dropout": self.recurrent_dropout,
            "dense_units": tuple(self.dense_units),
            "mask_value": self.mask_value if self.masked_ else None,
            "embedding_dim": self.embedding_dim,
            "seed": seed_from(self.random_state),
            **model_params,
        }
        if self.embedding_dim is not None:
            params["vocabulary_size"] = self.vocabulary_size_
        elif self.normalize:
            params["input_mean"] = self.input_mean_
            params["input_variance"] = self.input_variance_
        return build_gru_network(
            input_shape=self.input_shape_,
            n_outputs=n_outputs,
            output_activation=activation,
            **params,
        )

    def _get_compile_kwargs(self) -> dict:
        kwargs = super()._get_compile_kwargs()
        if kwargs["loss"] is None:
            kwargs["loss"] = self._default_loss()
        if not isinstance(self.optimizer, keras.optimizers.Optimizer) and (
            "optimizer__learning_rate" not in self.get_params(deep=False)
        ):
            kwargs["optimizer"].learning_rate = self.learning_rate
        return kwargs

    # -- data ---------------------------------------------------------------------

    def _validate_data(self, X=None, y=None, reset: bool = False, y_numeric: bool = False):
        name = type(self).__name__
        if X is None:  # scikeras's ``score`` checks y alone
            return None, self._check_targets(np.asarray(y))
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
        if self.embedding_dim is not None:
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

    def _padded_steps(self, steps: np.ndarray) -> np.ndarray:
        """Which rows of ``steps`` (n_steps, n_features) are padding."""
        if self.mask_value is None:
            return np.zeros(len(steps), dtype=bool)
        return np.all(steps == np.float32(self.mask_value), axis=1)

    def _check_padding(self, X: np.ndarray) -> None:
        unmasked = self.embedding_dim is None and not self.masked_
        if unmasked and self._padded_steps(X.reshape(-1, X.shape[-1])).any():
            raise ValueError(
                f"X holds padded time steps (equal to mask_value={self.mask_value}), "
                f"but the training data of this {type(self).__name__} held none, so "
                "its network has no masking. Fit on data with padding, such as the "
                "output of SequenceWindower."
            )

    def _network_input(self, X: np.ndarray) -> np.ndarray:
        if self.embedding_dim is not None:
            return X.astype(np.int32, copy=False)
        X = X.astype(np.float32, copy=False)
        return X[..., np.newaxis] if X.ndim == 2 else X

    # -- prediction -----------------------------------------------------------------

    def _compiled_predict(self):
        """The model's compiled predict function, built on first use.

        ``model.predict`` costs about 50 ms per call in set-up alone, and scikeras
        uses it for every ``predict``; see ``compiled_predict_function``.
        """
        dtype = tf.int32 if self.embedding_dim is not None else tf.float32
        return compiled_predict_function(self.model_, self.input_shape_, dtype)

    def _is_clean_float_array(self, X) -> bool:
        """True for input that full validation would pass unchanged (the hot path)."""
        return (
            type(X) is np.ndarray
            and X.dtype.kind == "f"
            and self.embedding_dim is None
            and X.ndim in (2, 3)
            and X.shape[0] > 0
            and _sequence_shape(X) == self.input_shape_
            and not hasattr(self, "feature_names_in_")
            and np.isfinite(X).all()
        )

    def _predict_raw(self, X, **kwargs) -> np.ndarray:
        check_is_fitted(self)
        if not self._is_clean_float_array(X):
            X, _ = self._validate_data(X, reset=False)
        X = self._network_input(X)
        self._check_padding(X)
        function = self._compiled_predict()
        outputs = [
            function(tf.constant(X[start : start + _PREDICT_CHUNK])).numpy()
            for start in range(0, len(X), _PREDICT_CHUNK)
        ]
        return np.concatenate(outputs).astype(np.float64)
