"""GRUClassifier: a GRU network as a scikit-learn classifier."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

import keras
import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils._tags import ClassifierTags
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from ._base import ClassifierLabelEncoder, GRUEstimatorMixin, KerasClassifier
from ._losses import SparseCategoricalCrossentropy
from ._network import PAD_VALUE

# label_smoothing="auto" on series of more than two classes; chosen on the training
# splits of the time-series section of ``python -m benchmarks``.
AUTO_LABEL_SMOOTHING = 0.1
# n_members="auto" on series of more than two classes too few for a trusted
# validation split: up to AUTO_MEMBERS networks, as many as read MEMBERS_WORK time
# steps per epoch in all (PigCVP's 104 series of 2,000 steps train one).
AUTO_MEMBERS = 5
MEMBERS_WORK = 200_000


class GRUClassifier(GRUEstimatorMixin, KerasClassifier):
    """Sequence classifier built on a GRU network.

    The network is: optional masking of padded timesteps, per-feature
    standardisation learnt from the training data, one or more GRU layers,
    optional dense layers, and a sigmoid (binary) or softmax (multiclass) output.
    Training uses Adam and the training policy described under ``early_stopping``;
    networks of the same architecture share one compiled TensorFlow program, so
    a grid search traces each architecture once.

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
        them in this many dimensions. Id 0 is padding and is masked. The vocabulary
        size is taken from the largest id seen in ``fit``.
    normalize : {"auto", "series"} or bool, default="auto"
        True standardises each input feature with the mean and variance of the
        training data, inside the network (so it is saved with the model).
        "series" then also standardises each series by its own mean and standard
        deviation and gives the network the series' log standard deviation as an
        extra input per feature, so that series whose scales differ by orders of
        magnitude are all read at unit scale. See ``series_normalized_``.
        "auto" is "series" when the standard deviations of the training series
        spread over more than a factor e (the standard deviation of their
        logarithm is above 1), and True otherwise.
    optimizer : str, keras optimizer class or instance, default="adam"
        Optimizer, trained as ``keras.Model.fit`` trains it (any built-in one but
        ``ScheduleFreeAdamW``). Its parameters can be routed as ``optimizer__<name>``;
        a ``LearningRateSchedule`` as ``optimizer__learning_rate`` works too.
    learning_rate : float, default=3e-3
        Learning rate of the optimizer (overridden by ``optimizer__learning_rate``;
        ignored when ``optimizer`` is an instance).
    loss : str, keras loss or None, default=None
        Loss. None picks binary cross-entropy for two classes and sparse
        categorical cross-entropy for more, smoothed by ``label_smoothing``.
    label_smoothing : float or "auto", default="auto"
        Label smoothing of the default loss, as in Keras's cross-entropy losses:
        the target puts ``1 - label_smoothing`` on the true class and spreads
        ``label_smoothing`` evenly over all classes, which keeps the network from
        growing ever more confident on a small training set. "auto" is 0.1 for
        series of more than two classes, chosen by cross-validation on the
        training splits of the time-series benchmark, and 0 (none) for two classes
        and for token ids (``embedding_dim``): with a vocabulary of 10,000 next
        words it made each epoch a quarter slower (README "Training policy").
        With a ``loss`` of your own, set the smoothing on that loss.
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
        True holds out ``validation_fraction`` of the training data (stratified),
        stops when its loss has not improved by the fraction ``tol`` of its best
        for ``patience`` epochs, and restores the weights of the best epoch.
        "auto" does so only when the held-out part has at least 50 samples; on
        smaller data a handful of validation samples would decide, so training
        stops instead when the training loss has not improved by ``tol`` for
        ``patience`` epochs, once it has fallen below 0.9 times its first value,
        and keeps the last weights (as ``MLPClassifier`` does); with dropout the
        rule reads a moving average of the loss. False trains for exactly
        ``epochs`` epochs.
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
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, ``{label: weight}``, multiplied into
        ``sample_weight``.
    callbacks : list of keras callbacks or None, default=None
        Extra Keras callbacks for training. Their epoch and train hooks run with
        the same logs as in ``keras.Model.fit``; batch hooks do not run, since
        each epoch runs as one compiled TensorFlow call.
    random_state : int, RandomState instance or None, default=None
        Seed for weight initialisation, shuffling, dropout and the validation
        split. An int gives identical fits; global random state is restored.
    verbose : int, default=0
        Keras's verbosity during training (0 silent, 1 progress bar, 2 one line
        per epoch).
    warm_start : bool, default=False
        Continue training the fitted network on the next call to ``fit``. A change
        of the network, loss or optimizer since the fit raises a ``ValueError``; a
        change of learning rate, epochs or batch size does not.
    n_members : int or "auto", default="auto"
        Number of networks trained and averaged (their class probabilities), each
        from its own random state, as InceptionTime averages five. Each trains as
        one network would: on data too small for a trusted validation split, on
        all of it to its training-loss plateau. "auto" averages several only for
        series of more than two classes with ``early_stopping="auto"`` on such
        small data: up to 5, as many as read at most 200,000 time steps per epoch
        in all (``n_members * n_samples * n_timesteps``), so 50 series of 361
        steps train 5 and 104 of 2,000 steps one; otherwise one network. A fit
        costs about one network's fit per member; on the training splits of
        PickupGestureWiimoteZ and OSULeaf, 5 and 3 members gained 0.013 and 0.035
        in cross-validated accuracy over one.
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
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_classes_ : int
        Number of classes.
    model_ : keras.Model
        The fitted network; with several members, a model averaging them.
    history_ : dict of list
        Loss (and metrics) per epoch of the first member; ``val_loss`` with early
        stopping. Losses are those Keras minimises.
    n_iter_ : int
        Number of epochs run by the last call to ``fit`` (by the first member).
    n_members_ : int
        Number of networks fitted and averaged (see ``n_members``).
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
    GRURegressor : The same network for regression.
    sklearn.neural_network.MLPClassifier : A feed-forward network classifier.

    Examples
    --------
    >>> import numpy as np
    >>> from sk_gru import GRUClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(200, 20))
    >>> y = (X.sum(axis=1) > 10).astype(int)
    >>> clf = GRUClassifier(units=8, epochs=5, random_state=0).fit(X, y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints: dict = {
        **GRUEstimatorMixin._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
        "label_smoothing": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
    }
    _y_numeric = False
    # Small classification sets learn best on the training-loss plateau, so members
    # train there too, each on all the data (as InceptionTime's).
    _members_cross_validate = False
    _auto_series_normalization = True

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
        optimizer="adam",
        learning_rate: float = 3e-3,
        loss=None,
        label_smoothing: float | str = "auto",
        metrics=None,
        epochs: int | str = "auto",
        batch_size: int = 64,
        shuffle: bool = True,
        early_stopping: bool | str = "auto",
        validation_fraction: float = 0.1,
        patience: int = 10,
        tol: float = 1e-4,
        learning_rate_schedule: str = "adaptive",
        class_weight=None,
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
        self.optimizer = optimizer
        self.learning_rate = learning_rate
        self.loss = loss
        self.label_smoothing = label_smoothing
        self.metrics = metrics
        self.epochs = epochs
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.tol = tol
        self.learning_rate_schedule = learning_rate_schedule
        self.class_weight = class_weight
        self.callbacks = callbacks
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.n_members = n_members
        self.data_format = data_format
        vars(self).update(kwargs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.estimator_type = "classifier"
        tags.classifier_tags = ClassifierTags(multi_class=True)
        tags.target_tags.required = True
        return tags

    @property
    def target_encoder(self):
        """The transformer from class labels to what the network is trained on."""
        classes = getattr(self, "_partial_fit_classes", None)
        return ClassifierLabelEncoder(
            loss=self.loss, categories="auto" if classes is None else [np.asarray(classes)]
        )

    def _check_targets(self, y: np.ndarray) -> np.ndarray:
        y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        target_type = type_of_target(y)
        if target_type not in ("binary", "multiclass"):
            raise ValueError(
                f"{type(self).__name__} supports binary and multiclass targets; "
                f"got a {target_type!r} target."
            )
        classes = np.unique(y)
        if len(classes) < 2 and getattr(self, "_partial_fit_classes", None) is None:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in the data, "
                f"but the data contains only one class: {classes[0]!r}."
            )
        return y

    def _fit_sample_weight(self, X, y, sample_weight):
        sample_weight = super()._fit_sample_weight(X, y, sample_weight)
        if self.class_weight is None:
            return sample_weight
        class_weights = compute_sample_weight(self.class_weight, y).astype(np.float32)
        return class_weights if sample_weight is None else sample_weight * class_weights

    def _split_stratify(self, y_encoded: np.ndarray, n_val: int):
        """Stratify the validation split when every class can appear on both sides."""
        labels = np.asarray(y_encoded).reshape(len(y_encoded), -1)[:, 0]
        counts = np.unique(labels, return_counts=True)[1]
        if counts.min() < 2 or n_val < len(counts) or len(labels) - n_val < len(counts):
            return None
        return labels

    def _many_class_series(self) -> bool:
        """Series (not token ids) of more than two classes: what "auto" helps most."""
        return self.embedding_dim is None and self.n_classes_ > 2

    def _auto_members(self, n_samples: int, n_timesteps: int) -> int:
        if not self._many_class_series():
            return 1
        return int(np.clip(MEMBERS_WORK // (n_samples * n_timesteps), 1, AUTO_MEMBERS))

    def _output_layer(self) -> tuple[int, str]:
        return (1, "sigmoid") if self.n_classes_ == 2 else (self.n_classes_, "softmax")

    def _validate_params(self) -> None:
        super()._validate_params()
        if self.loss is not None and self.label_smoothing not in ("auto", 0):
            raise ValueError(
                f"label_smoothing={self.label_smoothing!r} smooths the default loss of "
                f"{type(self).__name__}, but loss={self.loss!r} is given: set the "
                "smoothing on that loss, or leave label_smoothing='auto'."
            )

    def _default_loss(self) -> str | keras.losses.Loss:
        binary = self.n_classes_ == 2
        smoothing = self.label_smoothing
        if smoothing == "auto":
            smoothing = AUTO_LABEL_SMOOTHING if self._many_class_series() else 0.0
        if not smoothing:
            return "binary_crossentropy" if binary else "sparse_categorical_crossentropy"
        if binary:
            return keras.losses.BinaryCrossentropy(label_smoothing=smoothing)
        return SparseCategoricalCrossentropy(label_smoothing=smoothing)

    def fit(self, X, y, sample_weight=None) -> GRUClassifier:
        """Fit the classifier to sequences ``X`` and labels ``y``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Training sequences. 2-D input is read as univariate sequences.
        y : array-like of shape (n_samples,)
            Class labels, of any type.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : GRUClassifier
            The fitted classifier.
        """
        self._partial_fit_classes = None
        return super().fit(X, y, sample_weight=sample_weight)

    def partial_fit(self, X, y, classes=None, sample_weight=None) -> GRUClassifier:
        """Train for one epoch, keeping the current weights.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Training sequences.
        y : array-like of shape (n_samples,)
            Class labels.
        classes : array-like of shape (n_classes,), default=None
            All the classes; needed on the first call when ``y`` may not hold them.
        sample_weight : array-like of shape (n_samples,), default=None
            Per-sample weights.

        Returns
        -------
        self : GRUClassifier
            The updated classifier.
        """
        if not self.__sklearn_is_fitted__():
            self._partial_fit_classes = classes
        return super().partial_fit(X, y, sample_weight=sample_weight)

    def predict_proba(self, X) -> np.ndarray:
        """Probability of each class, columns in ``classes_`` order.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Sequences.

        Returns
        -------
        ndarray of shape (n_samples, n_classes)
        """
        # Not scikeras's encoder: it squeezes a single row to shape (n_classes,).
        outputs = self._predict_raw(X)
        if outputs.shape[1] == 1:  # one sigmoid unit for two classes
            outputs = np.hstack([1.0 - outputs, outputs])
        return outputs / outputs.sum(axis=1, keepdims=True)

    def predict(self, X) -> np.ndarray:
        """Most probable class of each sequence.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_timesteps) or \
                (n_samples, n_timesteps, n_features)
            Sequences.

        Returns
        -------
        ndarray of shape (n_samples,)
            Labels from ``classes_``.
        """
        probabilities = self.predict_proba(X)
        return self.classes_[np.argmax(probabilities, axis=1)]

    def score(self, X, y, sample_weight=None) -> float:
        """Mean accuracy on ``X`` and ``y``, as ``ClassifierMixin.score``."""
        return ClassifierMixin.score(self, X, y, sample_weight=sample_weight)
