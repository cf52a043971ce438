"""TextSequencer, next_word_pairs, generation and text pipelines."""

import pickle

import numpy as np
import pytest
from sklearn.pipeline import make_pipeline

from sk_gru import GRUClassifier, TextSequencer, generate_text, next_word_pairs
from sk_gru.text import tokenize

SEEDS = ["I like apples.", "I like oranges.", "He likes bananas.", "She likes grapes."]


def test_tokenizer_keeps_inner_apostrophes_and_drops_punctuation():
    assert tokenize("`Don't!' -- it's Alice's cat, 'Dinah'.") == [
        "don't",
        "it's",
        "alice's",
        "cat",
        "dinah",
    ]
    assert tokenize("Héllo Wörld", lowercase=False) == ["Héllo", "Wörld"]


def test_vocabulary_ids_follow_frequency_then_alphabet():
    seq = TextSequencer().fit(["b a c", "c b", "c"])
    assert seq.vocabulary_ == {"c": 2, "b": 3, "a": 4}
    assert seq.vocabulary_size_ == 5


def test_max_tokens_and_min_frequency_cap_the_vocabulary():
    texts = ["a a a b b c", "a b d"]
    assert list(TextSequencer(max_tokens=2).fit(texts).vocabulary_) == ["a", "b"]
    assert list(TextSequencer(min_frequency=2).fit(texts).vocabulary_) == ["a", "b"]


def test_padding_is_on_the_left_and_truncation_keeps_recent_words():
    seq = TextSequencer(max_len=3).fit(["one two three four", "one"])
    ids = seq.transform(["one two three four", "two"])
    vocab = seq.vocabulary_
    assert ids.tolist()[0] == [vocab["two"], vocab["three"], vocab["four"]]
    assert ids.tolist()[1] == [0, 0, vocab["two"]]


def test_max_len_defaults_to_the_longest_text_in_fit():
    assert TextSequencer().fit(SEEDS).max_len_ == 3


def test_unseen_words_map_to_the_out_of_vocabulary_id():
    seq = TextSequencer().fit(SEEDS)
    assert seq.transform(["I like kiwis"]).tolist() == [[2, 3, 1]]


def test_inverse_transform_round_trips_known_words():
    seq = TextSequencer().fit(SEEDS)
    assert list(seq.inverse_transform(seq.transform(SEEDS))) == [
        "i like apples",
        "i like oranges",
        "he likes bananas",
        "she likes grapes",
    ]
    assert seq.inverse_transform(seq.transform(["i like kiwis"]))[0] == "i like <oov>"


def test_feature_names_and_pickling():
    seq = TextSequencer(max_len=2).fit(SEEDS)
    assert list(seq.get_feature_names_out()) == ["token_0", "token_1"]
    restored = pickle.loads(pickle.dumps(seq))
    np.testing.assert_array_equal(restored.transform(SEEDS), seq.transform(SEEDS))


@pytest.mark.parametrize(
    ("texts", "error", "match"),
    [
        (["fine", 3], TypeError, "item 1 is int"),
        (["fine", None], TypeError, "item 1 is NoneType"),
        (None, TypeError, "iterable of strings"),
        ("a single string", TypeError, "not a single string"),
        ([], ValueError, "empty corpus"),
        (["", "  ", "?!"], ValueError, "no words"),
        (np.array([["a b", "c"], ["d", "e f"]]), ValueError, "one text per row"),
    ],
)
def test_bad_corpora_get_clear_errors(texts, error, match):
    with pytest.raises(error, match=match):
        TextSequencer().fit(texts)


def test_next_word_pairs_pairs_every_prefix_with_its_next_word():
    prefixes, next_words = next_word_pairs(SEEDS)
    pairs = list(zip(prefixes, next_words, strict=True))
    assert ("i like", "apples") in pairs and ("i like", "oranges") in pairs
    assert ("she", "likes") in pairs
    assert len(pairs) == 8


def test_next_word_pairs_needs_a_text_of_two_words():
    with pytest.raises(ValueError, match="two or more words"):
        next_word_pairs(["hello", ""])


def _seed_pipeline():
    prefixes, next_words = next_word_pairs(SEEDS)
    model = make_pipeline(
        TextSequencer(),
        GRUClassifier(
            embedding_dim=8,
            units=16,
            epochs=100,
            learning_rate=3e-2,
            early_stopping=False,
            random_state=0,
        ),
    )
    return model.fit(prefixes, next_words), prefixes, next_words


def test_pipeline_predicts_words_and_reaches_the_best_seed_accuracy():
    model, prefixes, next_words = _seed_pipeline()
    predictions = model.predict(["she likes", "he likes", "i"])
    assert list(predictions) == ["grapes", "bananas", "like"]
    # Of the 8 pairs only one of ("i like", "apples"/"oranges") can be right.
    assert model.score(prefixes, next_words) == pytest.approx(7 / 8)
    proba = model.predict_proba(["i like"])[0]
    classes = list(model.classes_)
    assert proba[classes.index("apples")] + proba[classes.index("oranges")] > 0.9


def test_generate_text_is_greedy_or_seeded_sampling():
    model, _, _ = _seed_pipeline()
    assert generate_text(model, "She", 2) == "she likes grapes"
    sampled = [generate_text(model, "I like", 1, temperature=1.0, random_state=s) for s in (0, 0)]
    assert sampled[0] == sampled[1]
    assert sampled[0].split()[-1] in {"apples", "oranges"}
