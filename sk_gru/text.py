"""Text in, words out: tokenising, next-word pairs and generation."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params
from sklearn.utils.validation import check_is_fitted

__all__ = ["TextSequencer", "generate_text", "next_word_pairs", "tokenize"]

PADDING_ID = 0
OOV_ID = 1
OOV_TOKEN = "<oov>"

# Runs of letters or digits, with apostrophes kept inside words ("don't", "o'clock").
_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    """Split ``text`` into words, dropping punctuation but not inner apostrophes.

    Parameters
    ----------
    text : str
        The text.
    lowercase : bool, default=True
        Lower-case the words.

    Returns
    -------
    list of str

    Examples
    --------
    >>> from sk_gru.text import tokenize
    >>> tokenize("`Don't,' said the Hatter. It's 4 o'clock!")
    ["don't", 'said', 'the', 'hatter', "it's", '4', "o'clock"]
    """
    words = (word.replace("’", "'") for word in _WORD.findall(text))
    return [word.lower() for word in words] if lowercase else list(words)


def _check_texts(texts, caller: str) -> list[str]:
    if isinstance(texts, str):
        raise TypeError(f"{caller} expects an iterable of strings, not a single string.")
    if not isinstance(texts, Iterable) and hasattr(texts, "__array__"):
        texts = np.asarray(texts)  # an array-like that only converts to an array
    if texts is None or not isinstance(texts, Iterable):
        raise TypeError(f"{caller} expects an iterable of strings; got {type(texts).__name__}.")
    if hasattr(texts, "shape"):
        if len(texts.shape) != 1 and texts.shape[1:] != (1,):
            # Raveling several columns would give more rows than samples, and y would
            # no longer line up with them.
            raise ValueError(
                f"{caller} expects one text per row: shape (n_texts,) or (n_texts, 1); "
                f"got shape {texts.shape}."
            )
        texts = list(np.ravel(texts))
    else:
        texts = list(texts)
    for position, text in enumerate(texts):
        if not isinstance(text, str):
            raise TypeError(
                f"{caller} expects strings; item {position} is {type(text).__name__} ({text!r})."
            )
    return texts


class TextSequencer(TransformerMixin, BaseEstimator):
    """Turn raw strings into left-padded sequences of integer token ids.

    ``fit`` builds the vocabulary. Id 0 is padding and id 1 stands for any word
    not in the vocabulary; words get ids from 2 by falling frequency, ties broken
    alphabetically. ``transform`` keeps the most recent ``max_len`` words of each
    text and pads on the left, which is what next-word prediction needs.

    Parameters
    ----------
    max_tokens : int or None, default=None
        Keep at most this many words (the most frequent); None keeps all.
    min_frequency : int, default=1
        Drop words seen fewer times than this in ``fit``.
    max_len : int or None, default=None
        Length of the output sequences; None means the longest text seen in ``fit``.
    lowercase : bool, default=True
        Lower-case the text before splitting it into words.

    Attributes
    ----------
    vocabulary_ : dict of str to int
        Word to id, ids starting at 2.
    vocabulary_size_ : int
        Number of ids, padding and out-of-vocabulary included.
    max_len_ : int
        Length of the output sequences.

    See Also
    --------
    next_word_pairs : (prefix, next word) pairs for training.
    generate_text : Continue a prompt with a fitted pipeline.

    Examples
    --------
    >>> from sk_gru import TextSequencer
    >>> seq = TextSequencer().fit(["I like apples.", "I like oranges."])
    >>> seq.vocabulary_
    {'i': 2, 'like': 3, 'apples': 4, 'oranges': 5}
    >>> seq.transform(["like pears", "I"]).tolist()
    [[0, 3, 1], [0, 0, 2]]
    >>> seq.inverse_transform([[0, 3, 1]]).tolist()
    ['like <oov>']
    """

    _parameter_constraints: dict = {
        "max_tokens": [Interval(Integral, 1, None, closed="left"), None],
        "min_frequency": [Interval(Integral, 1, None, closed="left")],
        "max_len": [Interval(Integral, 1, None, closed="left"), None],
        "lowercase": ["boolean"],
    }

    def __init__(
        self,
        max_tokens: int | None = None,
        min_frequency: int = 1,
        max_len: int | None = None,
        lowercase: bool = True,
    ):
        self.max_tokens = max_tokens
        self.min_frequency = min_frequency
        self.max_len = max_len
        self.lowercase = lowercase

    def fit(self, X, y=None) -> TextSequencer:
        """Build the vocabulary from the texts ``X``.

        Parameters
        ----------
        X : iterable of str
            Texts.
        y : None
            Ignored.

        Returns
        -------
        self : TextSequencer
        """
        self._validate_params()
        texts = _check_texts(X, "TextSequencer.fit")
        if not texts:
            raise ValueError("TextSequencer.fit needs at least one text; got an empty corpus.")
        tokens = [tokenize(text, self.lowercase) for text in texts]
        counts = Counter(word for words in tokens for word in words)
        if not counts:
            raise ValueError(
                "TextSequencer.fit found no words in the corpus (only empty strings, "
                "spaces or punctuation)."
            )
        ranked = sorted(
            (word for word, count in counts.items() if count >= self.min_frequency),
            key=lambda word: (-counts[word], word),
        )[: self.max_tokens]
        self.vocabulary_ = {word: index for index, word in enumerate(ranked, start=2)}
        self.vocabulary_size_ = len(self.vocabulary_) + 2
        self.max_len_ = self.max_len or max(1, max(len(words) for words in tokens))
        self.n_features_in_ = 1
        return self

    def transform(self, X) -> np.ndarray:
        """Token ids of each text, left-padded or left-truncated to ``max_len_``.

        Parameters
        ----------
        X : iterable of str
            Texts.

        Returns
        -------
        ndarray of int32 of shape (n_texts, max_len_)
        """
        check_is_fitted(self)
        texts = _check_texts(X, "TextSequencer.transform")
        ids = np.zeros((len(texts), self.max_len_), dtype=np.int32)
        for row, text in enumerate(texts):
            words = tokenize(text, self.lowercase)[-self.max_len_ :]
            if words:
                ids[row, -len(words) :] = [self.vocabulary_.get(w, OOV_ID) for w in words]
        return ids

    def inverse_transform(self, X) -> np.ndarray:
        """Words of each id sequence, joined by spaces; padding is dropped.

        Parameters
        ----------
        X : array-like of int of shape (n_texts, n_ids)
            Token ids.

        Returns
        -------
        ndarray of str of shape (n_texts,)
            Out-of-vocabulary ids come back as ``"<oov>"``.
        """
        check_is_fitted(self)
        ids = np.asarray(X)
        if ids.ndim != 2:
            raise ValueError(f"Expected ids of shape (n_texts, n_ids); got shape {ids.shape}.")
        if ids.size and (ids.min() < 0 or ids.max() >= self.vocabulary_size_):
            raise ValueError(
                f"Token ids must lie in [0, {self.vocabulary_size_}); got values from "
                f"{ids.min()} to {ids.max()}."
            )
        words = np.asarray([OOV_TOKEN, OOV_TOKEN, *self.vocabulary_], dtype=object)
        return np.asarray([" ".join(words[row[row != PADDING_ID]]) for row in ids], dtype=object)

    def get_feature_names_out(self, input_features=None) -> np.ndarray:
        """Names of the output columns: ``token_0`` (oldest) to ``token_<max_len_-1>``.

        Parameters
        ----------
        input_features : None
            Ignored.

        Returns
        -------
        ndarray of str of shape (max_len_,)
        """
        check_is_fitted(self)
        return np.asarray([f"token_{i}" for i in range(self.max_len_)], dtype=object)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.string = True
        tags.requires_fit = True
        return tags


@validate_params(
    {"texts": [Iterable], "lowercase": ["boolean"]}, prefer_skip_nested_validation=True
)
def next_word_pairs(texts, lowercase: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Every prefix of every text, paired with the word that follows it.

    Uses the same tokeniser as :class:`TextSequencer`, so the prefixes are
    normalised (lower-case, no punctuation).

    Parameters
    ----------
    texts : iterable of str
        Sentences or lines; pairs never cross from one text to the next.
    lowercase : bool, default=True
        Lower-case the words.

    Returns
    -------
    prefixes : ndarray of str of shape (n_pairs,)
    next_words : ndarray of str of shape (n_pairs,)

    Examples
    --------
    >>> from sk_gru import next_word_pairs
    >>> prefixes, next_words = next_word_pairs(["I like apples."])
    >>> list(zip(prefixes, next_words))
    [('i', 'like'), ('i like', 'apples')]
    """
    texts = _check_texts(texts, "next_word_pairs")
    prefixes, next_words = [], []
    for text in texts:
        words = tokenize(text, lowercase)
        for end in range(1, len(words)):
            prefixes.append(" ".join(words[:end]))
            next_words.append(words[end])
    if not prefixes:
        raise ValueError(
            "next_word_pairs found no text with two or more words; nothing to predict."
        )
    return np.asarray(prefixes, dtype=object), np.asarray(next_words, dtype=object)


@validate_params(
    {
        "prompt": [str],
        "n_words": [Interval(Integral, 1, None, closed="left")],
        "temperature": [Interval(Real, 0, None, closed="left")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def generate_text(
    model, prompt: str, n_words: int, *, temperature: float = 0.0, random_state=None
) -> str:
    """Continue ``prompt`` by ``n_words`` words predicted one at a time.

    Parameters
    ----------
    model : fitted estimator or Pipeline
        Maps texts to next words and has ``predict_proba`` and ``classes_``, such as
        ``make_pipeline(TextSequencer(), GRUClassifier(embedding_dim=32))``.
    prompt : str
        The start of the text.
    n_words : int
        Number of words to add.
    temperature : float, default=0.0
        0 picks the most probable word each time (greedy). A positive value samples
        from the probabilities sharpened (below 1) or flattened (above 1).
    random_state : int, RandomState instance or None, default=None
        Seed for sampling.

    Returns
    -------
    str
        The prompt, normalised by the tokeniser, followed by the new words.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sk_gru import TextSequencer, generate_text, next_word_pairs
    >>> model = make_pipeline(TextSequencer(max_len=1), LogisticRegression())
    >>> _ = model.fit(*next_word_pairs(["a b c d", "a b c d"]))
    >>> generate_text(model, "A", 3)
    'a b c d'
    """
    rng = check_random_state(random_state)
    words = tokenize(prompt)
    for _ in range(n_words):
        proba = np.asarray(model.predict_proba([" ".join(words)])[0], dtype=float)
        if temperature == 0:
            choice = int(np.argmax(proba))
        else:
            logits = np.log(np.clip(proba, 1e-12, None)) / temperature
            weights = np.exp(logits - logits.max())
            choice = int(rng.choice(len(weights), p=weights / weights.sum()))
        words.append(str(model.classes_[choice]))
    return " ".join(words)
