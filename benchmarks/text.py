"""Next-word training at scale: 100k words, a 10k-word vocabulary, sparse targets.

``TextSequencer(max_len=10)`` + ``GRUClassifier(embedding_dim=32, units=64,
batch_size=256)``, 2 epochs, in a fresh interpreter so that the peak RSS reported
is this task's own.
"""

from __future__ import annotations

import numpy as np

from benchmarks.common import in_fresh_process, section_main, timed

SIZES = {"words": (100_000, 2_000), "vocabulary": (10_000, 200)}


def train(quick: bool) -> dict:
    """Fit the pipeline on Zipf-distributed words (meant for a fresh process)."""
    from sklearn.pipeline import make_pipeline

    from sk_gru import GRUClassifier, TextSequencer, next_word_pairs

    n_words, vocabulary = SIZES["words"][quick], SIZES["vocabulary"][quick]
    rng = np.random.default_rng(0)
    # Zipf-like word frequencies, as in real text, over exactly `vocabulary` words.
    ranks = np.arange(1, vocabulary + 1)
    words = rng.choice(vocabulary, size=n_words, p=(1 / ranks) / np.sum(1 / ranks))
    words[:vocabulary] = np.arange(vocabulary)  # every word occurs at least once
    rng.shuffle(words)
    sentences = [" ".join(f"w{i}" for i in chunk) for chunk in np.array_split(words, n_words // 15)]
    prefixes, next_words = next_word_pairs(sentences)
    model = make_pipeline(
        TextSequencer(max_len=10),
        GRUClassifier(
            embedding_dim=32,
            units=64,
            epochs=2,
            batch_size=256,
            early_stopping=False,
            random_state=0,
        ),
    )
    _, seconds = timed(lambda: model.fit(prefixes, next_words))
    n_classes = len(model[-1].classes_)
    return {
        "words": n_words,
        "pairs": len(prefixes),
        "vocabulary": int(model[0].vocabulary_size_),
        "classes": n_classes,
        "fit_s_2_epochs": seconds,
        "epoch_s": seconds / 2,
        "one_hot_targets_mb": len(prefixes) * n_classes * 4 / 2**20,
    }


def run(quick: bool = False) -> dict:
    """:func:`train` in a fresh interpreter; adds that process's ``peak_rss_mb``."""
    return in_fresh_process("benchmarks.text:train", quick=quick)


def report(result: dict) -> list[str]:
    """A short paragraph: time per epoch and peak memory."""
    return [
        "## Next-word training at scale",
        "",
        f"{result['words']:,} words, {result['pairs']:,} (prefix, next word) pairs, "
        f"vocabulary {result['vocabulary']:,}, {result['classes']:,} classes; "
        "TextSequencer(max_len=10) + GRUClassifier(embedding_dim=32, units=64, batch_size=256).",
        "",
        f"- time per epoch: {result['epoch_s']:.1f} s (2 epochs, build included)",
        f"- peak RSS of its own fresh process: {result['peak_rss_mb']:.0f} MB (one-hot "
        f"targets alone would take {result['one_hot_targets_mb']:.0f} MB; sk_gru trains "
        "on sparse integer labels)",
        "",
    ]


if __name__ == "__main__":
    section_main(run, report)
