"""Network options: the convolution front end, pooling over time, and padded
variable-length input."""

import warnings

import numpy as np
import pytest

from sk_gru import PAD_VALUE, GRUClassifier

FAST = {"units": 8, "epochs": 2, "early_stopping": False, "random_state": 0}


def _kinds(estimator):
    return [type(layer).__name__ for layer in estimator.model_.layers]


@pytest.fixture
def long_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 80))
    return X, (X[:, 40:].mean(axis=1) > 0).astype(int)


def test_auto_front_end_shortens_long_sequences_before_the_gru(long_data):
    X, y = long_data
    clf = GRUClassifier(**FAST).fit(X, y)
    assert _kinds(clf).count("Conv1D") == 2
    gru = next(layer for layer in clf.model_.layers if type(layer).__name__ == "GRU")
    assert gru.input.shape[1] == 80 // 4 // 4


@pytest.mark.parametrize(
    ("steps", "filters", "gru_steps"), [(256, [64, 64], 16), (300, [32, 64, 64], 5)]
)
def test_auto_front_end_adds_a_third_block_over_256_steps(steps, filters, gru_steps):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(16, steps))
    clf = GRUClassifier(**{**FAST, "epochs": 1}).fit(X, (X[:, -1] > 0).astype(int))
    convs = [layer for layer in clf.model_.layers if type(layer).__name__ == "Conv1D"]
    assert [conv.filters for conv in convs] == filters
    gru = next(layer for layer in clf.model_.layers if type(layer).__name__ == "GRU")
    assert gru.input.shape[1] == gru_steps


def test_auto_front_end_leaves_short_sequences_alone(sum_data):
    X, y = sum_data
    assert "Conv1D" not in _kinds(GRUClassifier(**FAST).fit(X, y))


def test_serial_blocks_follow_filters_kernels_and_pooling(long_data):
    X, y = long_data
    clf = GRUClassifier(
        **FAST, conv_filters=(4, 6, 5), conv_kernel_size=(3, 3, 2), conv_pool_size=2
    ).fit(X, y)
    convs = [layer for layer in clf.model_.layers if type(layer).__name__ == "Conv1D"]
    assert [(c.filters, c.kernel_size[0]) for c in convs] == [(4, 3), (6, 3), (5, 2)]
    assert _kinds(clf).count("MaxPooling1D") == 3


def test_parallel_layout_joins_a_convolution_branch_to_the_gru(long_data):
    X, y = long_data
    clf = GRUClassifier(**FAST, conv_filters=(4, 4), conv_layout="parallel").fit(X, y)
    kinds = _kinds(clf)
    assert {"GlobalAveragePooling1D", "Concatenate", "GRU"} <= set(kinds)
    assert "MaxPooling1D" not in kinds
    gru = next(layer for layer in clf.model_.layers if type(layer).__name__ == "GRU")
    assert gru.input.shape[1] == 80  # the GRU reads the whole sequence


def test_no_front_end_when_conv_filters_is_empty(long_data):
    X, y = long_data
    assert "Conv1D" not in _kinds(GRUClassifier(**FAST, conv_filters=()).fit(X, y))


def test_kernel_sizes_must_match_the_blocks(long_data):
    X, y = long_data
    with pytest.raises(ValueError, match="conv_kernel_size"):
        GRUClassifier(**FAST, conv_filters=(4, 4), conv_kernel_size=(3,)).fit(X, y)


def test_auto_pooling_averages_over_time_behind_a_front_end_on_one_length(long_data, sum_data):
    X, y = long_data
    pooled = GRUClassifier(**FAST).fit(X, y)
    assert "GlobalAveragePooling1D" in _kinds(pooled)
    assert "GlobalAveragePooling1D" not in _kinds(GRUClassifier(**FAST).fit(*sum_data))
    last = GRUClassifier(**FAST, pooling="last").fit(X, y)
    assert "GlobalAveragePooling1D" not in _kinds(last)
    padded = X.copy()
    padded[::2, :10] = PAD_VALUE  # variable lengths: the last state
    assert "GlobalAveragePooling1D" not in _kinds(GRUClassifier(**FAST).fit(padded, y))
    assert "GlobalAveragePooling1D" in _kinds(GRUClassifier(**FAST, pooling="mean").fit(*sum_data))


def test_mean_pooling_averages_the_gru_outputs_over_unpadded_steps():
    import keras

    from sk_gru._network import build_gru_network

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 6, 2)).astype(np.float32)
    X[0, :4] = PAD_VALUE
    X[1, :1] = PAD_VALUE
    model = build_gru_network(
        input_shape=(6, 2),
        n_outputs=1,
        output_activation="linear",
        units=5,
        mask_value=PAD_VALUE,
        pooling="mean",
        seed=0,
    )
    gru = next(layer for layer in model.layers if isinstance(layer, keras.layers.GRU))
    pooled = model.layers[-1].input
    outputs, mean = keras.Model(model.inputs, [gru.output, pooled]).predict(X, verbose=0)
    kept = (X != PAD_VALUE).all(axis=-1)
    expected = [outputs[i][kept[i]].mean(axis=0) for i in range(len(X))]
    np.testing.assert_allclose(mean, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize(("steps", "n_pools", "expected"), [(8, 2, [0, 1]), (9, 2, [0, 1, 1])])
def test_front_end_passes_the_gru_a_mask_pooled_as_its_steps(steps, n_pools, expected):
    import tensorflow as tf

    from sk_gru._network import PooledMask

    mask = tf.constant([[False] * 5 + [True] * (steps - 5)])
    pooled = PooledMask(2, n_pools).compute_mask([None, None], [None, mask])
    assert pooled.numpy().astype(int).tolist() == [expected]


@pytest.mark.parametrize(
    ("conv_filters", "pooling"), [((), "last"), ((8, 8), "last"), ((8, 8), "mean")]
)
def test_variable_length_series_learn_through_padding_and_masking(conv_filters, pooling):
    # Series of 40 to 80 steps, padded on the left to 80; the class is the sign of
    # the series' mean, so padding must not count as data.
    rng = np.random.default_rng(0)
    n, steps = 80, 80
    y = np.tile([0, 1], n // 2)
    X = np.full((n, steps), PAD_VALUE, dtype=np.float32)
    for i, label in enumerate(y):
        length = rng.integers(40, steps + 1)
        X[i, steps - length :] = rng.normal(0.7 if label else -0.7, 1.0, size=length)
    clf = GRUClassifier(units=8, conv_filters=conv_filters, pooling=pooling, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # padding is no number to divide
        clf.fit(X[:56], y[:56])
    assert clf.masked_
    assert clf.score(X[56:], y[56:]) >= 0.9


@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("dropout", [0.0, 0.3])
@pytest.mark.parametrize("loop", [False, True])
def test_unrolled_network_computes_what_the_rolled_one_does(bidirectional, masked, dropout, loop):
    # UnrolledGRU replaces Keras's per-step cell calls with its own arithmetic and
    # gradient, its steps unrolled or in a loop: outputs (training and inference)
    # and gradients must match keras.layers.GRU's, for stacked layers (sequences
    # out), backward layers, masking and dropout.
    import keras
    import tensorflow as tf

    from sk_gru._network import UnrolledGRU, build_gru_network, roll

    def network(unroll):
        return build_gru_network(
            input_shape=(7, 2),
            n_outputs=1,
            output_activation="linear",
            units=(6, 5),
            bidirectional=bidirectional,
            dropout=dropout,
            mask_value=PAD_VALUE if masked else None,
            seed=0,
            unroll=unroll,
        )

    rolled, unrolled = network(False), network(True)
    if loop:
        roll(unrolled)
    grus = [layer for layer in unrolled._flatten_layers() if isinstance(layer, UnrolledGRU)]
    assert len(grus) == (4 if bidirectional else 2)
    assert not any(isinstance(layer, UnrolledGRU) for layer in rolled._flatten_layers())
    for mine, theirs in zip(unrolled.variables, rolled.variables, strict=True):
        np.testing.assert_array_equal(mine.numpy(), theirs.numpy())  # same seeds
    X = np.random.default_rng(0).normal(size=(9, 7, 2)).astype("float32")
    if masked:
        X[:4, 5:] = PAD_VALUE  # trailing padding
        X[6, :2] = PAD_VALUE  # leading padding

    def outputs_and_gradients(model):
        with tf.GradientTape() as tape:
            out = model(X, training=True)
            loss = keras.ops.sum(out**2)
        return out.numpy(), [g.numpy() for g in tape.gradient(loss, model.trainable_variables)]

    # Inference takes another path (no custom gradient).
    np.testing.assert_allclose(unrolled(X).numpy(), rolled(X).numpy(), rtol=1e-5, atol=1e-6)
    mine, theirs = outputs_and_gradients(unrolled), outputs_and_gradients(rolled)
    np.testing.assert_allclose(mine[0], theirs[0], rtol=1e-5, atol=1e-6)
    assert np.abs(theirs[0]).max() > 0.01
    for gradient, expected in zip(mine[1], theirs[1], strict=True):
        np.testing.assert_allclose(gradient, expected, rtol=1e-4, atol=1e-6)
    # At inference UnrolledGRU can also run its steps in a loop. (Built last: a
    # network's construction moves the seeds of the dropout masks above.)
    looped = network(True)
    roll(looped)
    np.testing.assert_allclose(looped(X).numpy(), rolled(X).numpy(), rtol=1e-5, atol=1e-6)


def test_series_standardize_reads_each_series_shape_and_scale_over_unpadded_steps():
    from sk_gru._network import SERIES_EPSILON, SeriesStandardize, series_log_scale

    rng = np.random.default_rng(0)
    X = rng.normal(size=(3, 8, 2)) * np.array([[[0.01, 1.0]], [[1.0, 10.0]], [[100.0, 1.0]]])
    kept = np.ones((3, 8), dtype=bool)
    kept[0, :3] = False
    log_scale = series_log_scale(X, kept)
    layer = SeriesStandardize()
    layer.build((None, 8, 2))
    center, spread = np.array([0.5, -0.5]), np.array([9.0, 0.25])
    layer.log_scale_mean.assign(center)
    layer.log_scale_variance.assign(spread)
    out = np.asarray(layer(X.astype(np.float32), mask=kept))
    for i in range(3):
        series = X[i][kept[i]]
        std = series.std(axis=0)
        np.testing.assert_allclose(std, np.exp(log_scale[i]) - SERIES_EPSILON, rtol=1e-6)
        shape = (series - series.mean(axis=0)) / std
        scale = (np.log(std + SERIES_EPSILON) - center) / np.maximum(np.sqrt(spread), 1.0)
        np.testing.assert_allclose(out[i][kept[i], :2], shape, rtol=1e-4, atol=1e-5)
        np.testing.assert_allclose(
            out[i][kept[i], 2:], np.broadcast_to(scale, (kept[i].sum(), 2)), rtol=1e-5
        )
    assert not out[0, :3].any()  # padded steps carry nothing


def _waves_of_every_scale(n, steps=40, seed=0):
    # Sine or square waves of random phase, whose amplitudes span six orders of
    # magnitude: the class is in each series' shape, not in its scale.
    rng = np.random.default_rng(seed)
    y = np.tile([0, 1], n // 2)
    t = np.arange(steps) * 2 * np.pi / 10 + rng.uniform(0, 2 * np.pi, size=(n, 1))
    waves = np.where(y[:, None] == 1, np.sign(np.sin(t)), np.sin(t))
    return waves * 10.0 ** rng.uniform(-3, 3, size=(n, 1)), y


def test_series_normalization_learns_shapes_whose_scales_span_orders_of_magnitude():
    X, y = _waves_of_every_scale(160)
    series = GRUClassifier(units=8, normalize="series", random_state=0).fit(X[:100], y[:100])
    assert series.score(X[100:], y[100:]) >= 0.95


def test_auto_normalization_standardises_each_series_only_where_their_scales_spread(sum_data):
    from sk_gru import GRURegressor

    X, y = _waves_of_every_scale(40)
    fast = {**FAST, "epochs": 1}
    assert GRUClassifier(**fast).fit(X, y).series_normalized_
    assert not GRUClassifier(**fast).fit(*sum_data).series_normalized_
    assert not GRUClassifier(**fast, normalize=True).fit(X, y).series_normalized_
    assert GRUClassifier(**fast, normalize="series").fit(*sum_data).series_normalized_
    # A regression target depends on each series' level, which "series" removes.
    assert not GRURegressor(**fast).fit(X, X[:, -1]).series_normalized_
