"""Property-based tests of SequenceWindower, forecast_pairs and TextSequencer."""

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sk_gru import PAD_VALUE, SequenceWindower, TextSequencer, forecast_pairs
from sk_gru.text import OOV_ID, tokenize

settings.register_profile("sk_gru", max_examples=60, deadline=None, derandomize=True)
settings.load_profile("sk_gru")

finite = st.floats(-1e6, 1e6, allow_nan=False, width=64)
series_rows = st.tuples(st.integers(1, 40), st.integers(1, 4)).flatmap(
    lambda shape: arrays(np.float64, shape, elements=finite)
)
texts = st.lists(st.text(max_size=60), max_size=12)
long_texts = st.lists(st.text(alphabet="ab cd", min_size=500, max_size=3000), max_size=3)


@given(X=series_rows, window=st.integers(1, 12))
def test_windows_end_at_their_row_and_pad_only_before_the_start(X, window):
    windows = SequenceWindower(window=window).fit_transform(X)
    n_rows, n_features = X.shape
    assert windows.shape == (n_rows, window, n_features)
    for t in range(n_rows):
        history = min(t + 1, window)
        np.testing.assert_array_equal(windows[t, window - history :], X[t + 1 - history : t + 1])
        assert np.all(windows[t, : window - history] == PAD_VALUE)


@given(X=series_rows, window=st.integers(1, 12), horizon=st.integers(1, 5))
def test_forecast_pairs_stay_aligned_through_the_windower(X, window, horizon):
    if len(X) <= horizon:
        with pytest.raises(ValueError, match="needs more than horizon"):
            forecast_pairs(X, horizon=horizon)
        return
    features, targets = forecast_pairs(X, horizon=horizon)
    windows = SequenceWindower(window=window).fit_transform(features)
    assert len(windows) == len(targets) == len(X) - horizon
    targets = targets.reshape(len(targets), -1)
    for t in range(len(windows)):
        np.testing.assert_array_equal(windows[t, -1], X[t])  # the last step is "now"
        np.testing.assert_array_equal(targets[t], X[t + 1 : t + 1 + horizon, 0])


@given(
    X=series_rows,
    bad=st.sampled_from([np.nan, np.inf, -np.inf]),
    data=st.data(),
)
def test_windower_rejects_missing_and_infinite_values(X, bad, data):
    row = data.draw(st.integers(0, len(X) - 1))
    X = X.copy()
    X[row, 0] = bad
    with pytest.raises(ValueError, match="NaN|infinity"):
        SequenceWindower(window=3).fit(X)


@given(corpus=texts)
def test_text_sequencer_fits_any_corpus_or_says_why_not(corpus):
    sequencer = TextSequencer()
    if not any(tokenize(text) for text in corpus):
        with pytest.raises(ValueError, match="empty corpus|no words"):
            sequencer.fit(corpus)
        return
    ids = sequencer.fit_transform(corpus)
    assert ids.shape == (len(corpus), sequencer.max_len_)
    assert ids.dtype == np.int32
    assert ids.min() >= 0 and ids.max() < sequencer.vocabulary_size_
    for row, text in zip(ids, corpus, strict=True):
        n_words = min(len(tokenize(text)), sequencer.max_len_)
        assert np.all(row[: len(row) - n_words] == 0)  # left padding only
        assert np.all(row[len(row) - n_words :] >= 2)  # every fitted word is known


@given(corpus=st.one_of(texts, long_texts), max_len=st.one_of(st.none(), st.integers(1, 6)))
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_inverse_transform_recovers_the_most_recent_words(corpus, max_len):
    if not any(tokenize(text) for text in corpus):
        return
    sequencer = TextSequencer(max_len=max_len).fit(corpus)
    recovered = sequencer.inverse_transform(sequencer.transform(corpus))
    for text, words in zip(corpus, recovered, strict=True):
        assert words == " ".join(tokenize(text)[-sequencer.max_len_ :])


@given(corpus=texts, unseen=texts)
def test_unseen_words_map_to_the_out_of_vocabulary_id(corpus, unseen):
    if not any(tokenize(text) for text in corpus):
        return
    sequencer = TextSequencer().fit(corpus)
    ids = sequencer.transform(unseen)
    assert ids.shape == (len(unseen), sequencer.max_len_)
    for row, text in zip(ids, unseen, strict=True):
        words = tokenize(text)[-sequencer.max_len_ :]
        expected = [sequencer.vocabulary_.get(word, OOV_ID) for word in words]
        assert row[len(row) - len(words) :].tolist() == expected


@given(corpus=texts, seed=st.integers(0, 2**32 - 1))
def test_vocabulary_does_not_depend_on_the_order_of_the_texts(corpus, seed):
    if not any(tokenize(text) for text in corpus):
        return
    shuffled = list(np.random.default_rng(seed).permutation(np.array(corpus, dtype=object)))
    assert TextSequencer().fit(corpus).vocabulary_ == TextSequencer().fit(shuffled).vocabulary_


@given(item=st.one_of(st.none(), st.integers(), st.floats(), st.binary()), corpus=texts)
def test_non_string_items_get_a_type_error_that_names_them(item, corpus):
    with pytest.raises(TypeError, match="expects strings"):
        TextSequencer().fit([*corpus, item])
