"""GRURegressor: a GRU network as a scikit-learn regressor."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin, TransformerMixin
from sklearn.utils._tags import RegressorTags

from ._base import GRUEstimatorMixin, KerasRegressor
from ._network import PAD_VALUE

# n_members="auto" on data too small for a trusted validation split.
AUTO_MEMBERS = 5


class _TargetScaler(TransformerMixin, BaseEstimator):
    """Standardise regression targets for training and undo it for predictions."""

    def __init__(self, scale: bool = True):
        self.scale = scale

    def fit(self, y: np.ndarray) -> _TargetScaler:
        y2d = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        self.ndim_ = np.ndim(y)
        self.n_outputs_ = y2d.shape[1]
        self.mean_ = y2d.mean(axis=0) if self.scale else np.zeros(self.n_outputs_)
        std = y2d.std(axis=0) if self.scale else np.ones(self.n_outputs_)
        self.scale_ = np.where(std > 0, std, 1.0)
        return self

    def transform(self, y: np.ndarray) -> np.ndarray:
        y2d = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return ((y2d - self.mean_) / self.scale_).astype(np.float32)

    def inverse_transform(self, y: np.ndarray) -> np.ndarray:
        y = np.asarray(y, dtype=np.float64) * self.scale_ + self.mean_
        return y.ravel() if self.ndim_ == 1 else y

    def get_metadata(self) -> dict:
        return {"n_outputs_": self.n_outputs_, "n_outputs_expected_": 1}


class GRURegressor(GRUEstimatorMixin, KerasRegressor):
    """Sequence regressor built on a GRU network.

    The network is: optional masking of padded timesteps, per-feature
    standardisation learnt from the training data, one or more GRU layers,
    optional dense layers, and a linear output with one unit per target. Targets
    are standardised for training and predictions come back in the units of
    ``y``. Training uses Adam and the training policy described under
    ``early_stopping``; networks of the same architecture share one compiled
    TensorFlow program, so a grid search traces each architecture once.

    Parameters
    ----------
    units : int or tuple of int, default=64
        Number of units of the GRU layer. A tuple stacks GRU layers, the first
        entry being closest to the input.
    bidirectional : bool, default=False
        Read each sequence in both directions (``keras.layers.Bidirectional``).
    dense_units : tuple of int, default=()
        Widths of ReLU dense layers between the GRU stack and the output layer.
    conv_filters : tuple of int or "auto", default="auto"
        Widths of Conv1D-BatchNorm-ReLU blocks for long sequences. "auto" is
        ``(64, 64)`` for sequences of more than 64 steps, ``(32, 64, 64)`` for
        more than 256, and ``()`` (none) for shorter ones and for token ids. With
        ``conv_layout="serial"`` they come before the GRU and each is followed by
        max pooling over ``conv_pool_size`` steps, so the GRU reads a shorter
        sequence; with ``"parallel"`` they form a branch beside the GRU, averaged
        over time and joined to its output (GRU-FCN, Elsayed et al. 2018).
    conv_kernel_size : int or tuple of int, default=8
        Kernel size of every convolution block, or of each in turn.
    conv_pool_size : int, default=4
        Max-pooling size after each block of the serial layout: two blocks read
        a sequence 16 times shorter into the GRU.
    conv_layout : {"serial", "parallel"}, default="serial"
        Where the convolution blocks go.
    pooling : {"auto", "last", "mean"}, default="auto"
        What the output layers read from the last GRU layer: its final state
        ("last"), or the mean of its outputs over the steps that are not padding
        ("mean"). "auto" is "mean" behind convolution blocks on series without
        padding, and "last" otherwise.
    dropout : float, default=0.0
        Fraction of the GRU inputs dropped during training.
    recurrent_dropout : float, default=0.0
        Fraction of the recurrent state dropped during training. A non-zero value
        disables the fast cuDNN kernel on a GPU.
    mask_value : float or None, default=PAD_VALUE
        Timesteps whose features all equal this value are padding; the GRU skips
        them. The default, :data:`sk_gru.PAD_VALUE` (the lowest float32), is what
        ``SequenceWindower`` pads with. The network gets a masking layer when the
        training data hold such steps. None turns masking off.
    embedding_dim : int or None, default=None
        Read ``X`` as integer token ids of shape (n_samples, n_timesteps) and embed
        them in this many dimensions. Id 0 is padding and is masked.
    normalize : {"auto", "series"} or bool, default="auto"
        True standardises each input feature with the mean and variance of the
        training data, inside the network (so it is saved with the model).
        "series" then also standardises each series by its own mean and standard
        deviation and gives the network the series' log standard deviation as an
        extra input per feature, so that series whose scales differ by orders of
        magnitude are all read at unit scale. See ``series_normalized_``.
        "auto" is True: series standardisation removes each series' level, on which
        a regression target usually depends.
    scale_target : bool, default=True
        Standardise ``y`` for training; predictions are always in ``y``'s units.
    optimizer : str, keras optimizer class or instance, default="adam"
        Optimizer, trained as ``keras.Model.fit`` trains it (any built-in one but
        ``ScheduleFreeAdamW``). Its parameters can be routed as ``optimizer__<name>``;
        a ``LearningRateSchedule`` as ``optimizer__learning_rate`` works too.
    learning_rate : float, default=3e-3
        Learning rate of the optimizer (overridden by ``optimizer__learning_rate``;
        ignored when ``optimizer`` is an instance).
    loss : str, keras loss or None, default=None
        Loss on the standardised targets. None means mean squared error.
    metrics : list or None, default=None
        Keras metrics reported in ``history_``.
    epochs : int or "auto", default="auto"
        Most passes over the training data. "auto" is 200, raised for small data
        sets so that training makes at least 2000 gradient steps (30 samples make
        one step per epoch).
    batch_size : int, default=64
        Number of samples per gradient update.
    shuffle : bool, default=True
        Shuffle the training data before each epoch.
    early_stopping : bool or "auto", default="auto"
        True holds out ``validation_fraction`` of the training data,
        stops when its loss has not improved by the fraction ``tol`` of its best
        for ``patience`` epochs, and restores the weights of the best epoch.
        "auto" does so only when the held-out part has at least 50 samples; on
        smaller data a handful of validation samples would decide, so the members
        of ``n_members`` cross-validate instead. A single network on small data
        stops when the training loss has not improved by ``tol`` for ``patience``
        epochs, once it has fallen below 0.9 times its first value, and keeps the
        last weights (as ``MLPClassifier`` does). With dropout the rule reads a
        moving average of the loss. False trains for exactly ``epochs`` epochs.
    validation_fraction : float, default=0.1
        Fraction of the training data held out for early stopping.
    patience : int, default=10
        Epochs without improvement of the monitored loss before stopping. On the
        training loss, never fewer epochs than make 100 gradient steps.
    tol : float, default=1e-4
        Smallest decrease that counts as an improvement: of the training loss, or
        of the validation loss as a fraction of its best value so far.
    learning_rate_schedule : {"adaptive", "constant"}, default="adaptive"
        "adaptive" multiplies the learning rate by 0.3 each time the monitored
        loss has not improved for ``patience // 2`` epochs, once learning has
        started (as ``MLPClassifier(learning_rate="adaptive")`` divides it by 5),
        never below 1/1000 of its initial value. "constant" keeps it fixed.
    callbacks : list of keras callbacks or None, default=None
        Extra Keras callbacks for training. Their epoch and train hooks run with
        the same logs as in ``keras.Model.fit``; batch hooks do not run, since
        each epoch runs as one compiled TensorFlow call.
    random_state : int, RandomState instance or None, default=None
        Seed for weight initialisation, shuffling, dropout and the validation
        split. An int gives identical fits; global random state is restored.
    verbose : int, default=0
        Keras's verbosity during training.
    warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``. A change
        of the network, loss or optimizer since the fit raises a ``ValueError``; a
        change of learning rate, epochs or batch size does not.
    n_members : int or "auto", default="auto"
        Number of networks trained and averaged, each from its own random state.
        With ``early_stopping="auto"`` on data too small for a trusted validation
        split (under 500 samples at ``validation_fraction=0.1``), the members are
        cross-validated: member ``k`` holds out fold ``k`` of ``n_members`` shuffled
        folds, stops when its loss there has not improved for ``patience`` epochs
        (never fewer than make 100 gradient steps) and keeps its best epoch's
        weights, so together they validate on every sample. "auto" is 5 such
        members on small data and one network otherwise. A fit costs about one
        network's fit per member; predictions cost one network's per member.
    data_format : {"channels_last", "channels_first"} or None, default=None
        Layout of 3-D ``X``, as in Keras: "channels_last" is (n_samples,
        n_timesteps, n_features); "channels_first" is (n_samples, n_features,
        n_timesteps), the (n_cases, n_channels, n_timepoints) of aeon and sktime.
        None reads "channels_last" and warns at ``fit`` where the shape suggests
        the other layout (one time step, or fewer steps than an eighth of the
        features), except on ``SequenceWindower``'s output. 2-D ``X`` is always
        (n_samples, n_timesteps).
    **kwargs : dict
        Routed parameters, such as ``model__<name>``, ``optimizer__<name>`` or
        ``callbacks__<name>``.

    Attributes
    ----------
    model_ : keras.Model
        The fitted network; with several members, a model averaging them.
    history_ : dict of list
        Loss (and metrics) per epoch of the first member, on the standardised
        targets.
    n_iter_ : int
        Number of epochs run by the last call to ``fit`` (by the first member).
    n_members_ : int
        Number of networks fitted and averaged (see ``n_members``).
    n_outputs_ : int
        Number of targets.
    n_features_in_ : int
        Size of the second axis of ``X`` (the number of timesteps).
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Column names of ``X``, when it is a DataFrame with string column names.
    input_shape_ : tuple of int
        Shape of one sequence as the network sees it: (n_timesteps, n_features).
    masked_ : bool
        Whether the network masks padded steps (the training data held some).
    series_normalized_ : bool
        Whether the network standardises each series by itself
        (``normalize="series"``, or "auto" on data whose series' scales spread).

    See Also
    --------
    GRUClassifier : The same network for classification.
    SequenceWindower : Turns a time series into windows for this regressor.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_gru import GRURegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(200, 10)) * 100
    >>> y = X.mean(axis=1)
    >>> reg = GRURegressor(units=8, epochs=5, random_state=0).fit(X, y)
    >>> reg.predict(X[:3]).shape
    (3,)
    """

    _parameter_constraints: dict = {
        **GRUEstimatorMixin._parameter_constraints,
        "scale_target": ["boolean"],
    }
    _y_numeric = True
    _members_cross_validate = True
    # A regressor's target usually depends on each series' level, which series
    # standardisation removes: "auto" keeps one standardisation of the whole data.
    _auto_series_normalization = False

    def __init__(
        self,
        units: int | Sequence[int] = 64,
        *,
        bidirectional: bool = False,
        dense_units: Sequence[int] = (),
        conv_filters: Sequence[int] | str = "auto",
        conv_kernel_size: int | Sequence[int] = 8,
        conv_pool_size: int = 4,
        conv_layout: str = "serial",
        pooling: str = "auto",
        dropout: float = 0.0,
        recurrent_dropout: float = 0.0,
        mask_value: float | None = PAD_VALUE,
        embedding_dim: int | None = None,
        normalize: bool | str = "auto",
        scale_target: bool = True,
        optimizer="adam",
        learning_rate: float = 3e-3,
        loss=None,
        metrics=None,
        epochs: int | str = "auto",
        batch_size: int = 64,
        shuffle: bool = True,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        patience: int = 10,
        tol: float = 1e-4,
        learning_rate_schedule: str = "adaptive",
        callbacks=None,
        random_state=None,
        verbose: int = 0,
        warm_start: bool = False,
        n_members: int | str = "auto",
        data_format: str | None = None,
        **kwargs,
    ):
        self.units = units
        self.bidirectional = bidirectional
        self.dense_units = dense_units
        self.conv_filters = conv_filters
        self.conv_kernel_size = conv_kernel_size
        self.conv_pool_size = conv_pool_size
        self.conv_layout = conv_layout
        self.pooling = pooling
        self.dropout = dropout
        self.recurrent_dropout = recurrent_dropout
        self.mask_value = mask_value
        self.embedding_dim = embedding_dim
        self.normalize = normalize
        self.scale_target = scale_target
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.learning_rate_schedule = learning_rate_schedule
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_members = n_members
        self.data_format = data_format
        vars(self).update(kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "regressor"
        tags.regressor_tags = RegressorTags()
        tags.target_tags.required = True
        tags.target_tags.multi_output = True
        return tags

    @property
    def target_encoder(self) -> _TargetScaler:
        """The transformer from ``y`` to what the network is trained on."""
        return _TargetScaler(scale=self.scale_target)

    def _check_targets(self, y: np.ndarray) -> np.ndarray:
        if y.ndim == 2 and y.shape[1] == 0:
            raise ValueError(f"{type(self).__name__} needs at least one target column.")
        return y

    def _split_stratify(self, y_encoded: np.ndarray, n_val: int) -> None:
        return None

    def _auto_members(self, n_samples: int, n_timesteps: int) -> int:
        # Cross-validated members where the data make the folds; chosen on the
        # small-regression section of ``python -m benchmarks``.
        return AUTO_MEMBERS if self._cross_validation_folds(n_samples, AUTO_MEMBERS, "auto") else 1

    def _output_layer(self) -> tuple[int, str]:
        return self.n_outputs_, "linear"

    def _default_loss(self) -> str:
        return "mse"

    def predict(self, X) -> np.ndarray:
        """Predicted targets, in the units of ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Sequences.

        Returns
        -------
        ndarray of shape (n_samples,) or (n_samples, n_outputs)
        """
        outputs = self._predict_raw(X)
        return self.target_encoder_.inverse_transform(outputs)

    def score(self, X, y, sample_weight=None) -> float:
        """Coefficient of determination R², as ``RegressorMixin.score``."""
        return RegressorMixin.score(self, X, y, sample_weight=sample_weight)
