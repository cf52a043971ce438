"""
Task 5: predict the next word of a sentence.
============================================

First the four seed sentences, where the best reachable accuracy is 0.75 ("i like"
is followed once by "apples" and once by "oranges"). Then Lewis Carroll's *Alice's
Adventures in Wonderland*, which ships with sk_gru: the model sees the previous
words of each sentence and predicts the next one. Held-out top-1 and top-5
accuracy are compared with a bigram baseline on the same split.

Run: python examples/next_word.py
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict

import numpy as np
from _common import plt, save_figure
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from sk_gru import GRUClassifier, TextSequencer, generate_text, next_word_pairs
from sk_gru.datasets import load_alice

SEED_SENTENCES = ["I like apples.", "I like oranges.", "He likes bananas.", "She likes grapes."]


def seed_task(epochs: int = 150) -> float:
    prefixes, next_words = next_word_pairs(SEED_SENTENCES)
    model = make_pipeline(
        TextSequencer(),
        GRUClassifier(
            embedding_dim=8,
            units=16,
            epochs=epochs,
            learning_rate=3e-2,
            early_stopping=False,
            random_state=0,
        ),
    )
    model.fit(prefixes, next_words)
    # The last word of each sentence from the words before it: "i like" is followed
    # once by "apples" and once by "oranges", so 0.75 is the best reachable.
    last_prefixes = [" ".join(s.lower().strip(".").split()[:-1]) for s in SEED_SENTENCES]
    last_words = [s.lower().strip(".").split()[-1] for s in SEED_SENTENCES]
    accuracy = model.score(last_prefixes, last_words)
    print(
        f"seed sentences: last-word accuracy {accuracy:.2f} (best reachable 0.75); "
        f"all {len(prefixes)} prefixes {model.score(prefixes, next_words):.3f} (best 0.875)"
    )
    print(
        f"  'she likes' -> {model.predict(['she likes'])[0]!r}; "
        f"'i' -> {generate_text(model, 'I', 2)!r}"
    )
    return accuracy


def top_k_accuracy(proba: np.ndarray, classes: np.ndarray, truth: np.ndarray, k: int) -> float:
    top = classes[np.argsort(proba, axis=1)[:, -k:]]
    return float(np.mean([t in row for t, row in zip(truth, top, strict=True)]))


def bigram_top_k(train_prefixes, train_next, test_prefixes, k: int) -> np.ndarray:
    """The k words that most often follow the last word of the prefix in training."""
    follows: dict[str, Counter] = defaultdict(Counter)
    for prefix, word in zip(train_prefixes, train_next, strict=True):
        follows[prefix.split()[-1]][word] += 1
    overall = [w for w, _ in Counter(train_next).most_common(k)]
    return [[w for w, _ in follows[p.split()[-1]].most_common(k)] or overall for p in test_prefixes]


def alice_task(
    max_sentences: int | None = None,
    epochs: int = 30,
    output_dir=None,
    min_next_word_count: int = 5,
) -> dict:
    sentences = [s for s in re.split(r"(?<=[.!?;])\s+", load_alice()) if len(s.split()) > 1]
    sentences = sentences[:max_sentences]
    train_sentences, test_sentences = train_test_split(sentences, test_size=0.2, random_state=0)
    X_train, y_train = next_word_pairs(train_sentences)
    X_test, y_test = next_word_pairs(test_sentences)

    # The network learns to predict the next words seen at least `min_next_word_count`
    # times in training: a word seen once or twice cannot be learnt from 20k pairs,
    # and each one adds a softmax output to overfit. Rarer held-out next words count
    # as misses; the bigram baseline keeps every training pair.
    counts = Counter(y_train)
    common = np.array([counts[word] >= min_next_word_count for word in y_train])
    model = make_pipeline(
        TextSequencer(max_len=8, min_frequency=3),
        GRUClassifier(
            embedding_dim=128,
            units=128,
            dropout=0.6,
            epochs=epochs,
            batch_size=128,
            patience=2,
            random_state=0,
        ),
    )
    start = time.perf_counter()
    model.fit(X_train[common], y_train[common])
    fit_seconds = time.perf_counter() - start
    classifier = model[-1]

    known = np.isin(y_test, classifier.classes_)
    proba = model.predict_proba(X_test)
    top1 = top_k_accuracy(proba, classifier.classes_, y_test, 1)
    top5 = top_k_accuracy(proba, classifier.classes_, y_test, 5)
    bigram = bigram_top_k(X_train, y_train, X_test, 5)
    bigram1 = float(np.mean([row[:1] == [t] for t, row in zip(y_test, bigram, strict=True)]))
    bigram5 = float(np.mean([t in row for t, row in zip(y_test, bigram, strict=True)]))
    print(
        f"Alice: {common.sum()} of {len(X_train)} training pairs, vocabulary "
        f"{model[0].vocabulary_size_}, {len(classifier.classes_)} of {len(counts)} next words; "
        f"fit {fit_seconds:.1f} s "
        f"({classifier.n_iter_} epochs)"
    )
    print(
        f"  held-out top-1 {top1:.3f}, top-5 {top5:.3f} "
        f"(bigram baseline top-1 {bigram1:.3f}, top-5 {bigram5:.3f}; "
        f"{known.mean():.0%} of held-out next words are among the predicted ones)"
    )
    print(f"  'alice was' -> {generate_text(model, 'Alice was', 6)!r}")

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.bar(
        ["GRU top-1", "bigram top-1", "GRU top-5", "bigram top-5"],
        [top1, bigram1, top5, bigram5],
        color=["C0", "C1", "C0", "C1"],
    )
    ax.set_ylabel("held-out accuracy")
    ax.set_title("Next word in Alice in Wonderland")
    save_figure(fig, "next_word_accuracy", output_dir)
    return {
        "top1": top1,
        "top5": top5,
        "bigram_top1": bigram1,
        "bigram_top5": bigram5,
        "fit_seconds": fit_seconds,
    }


def main(
    max_sentences: int | None = None, epochs: int = 30, seed_epochs: int = 150, output_dir=None
) -> dict:
    seed_accuracy = seed_task(epochs=seed_epochs)
    return {"seed_accuracy": seed_accuracy, **alice_task(max_sentences, epochs, output_dir)}


if __name__ == "__main__":
    main()
