"""
Task 2: binary sequence classification where order matters.
===========================================================

Each sequence holds 20 random bits; the label says whether three 1s occur in a row.
A bag-of-values model such as LogisticRegression sees only how many 1s there are,
so it cannot solve this; a GRU reads the order.

Run: python examples/binary_classification.py
"""

from __future__ import annotations

import time

import numpy as np
from _common import plt, save_figure
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split

from sk_gru import GRUClassifier


def make_data(n_samples: int = 1000, n_steps: int = 20, seed: int = 0):
    rng = np.random.default_rng(seed)
    X = rng.integers(0, 2, size=(n_samples, n_steps))
    runs = X[:, :-2] & X[:, 1:-1] & X[:, 2:]
    return X, runs.any(axis=1).astype(int)


def main(n_samples: int = 1000, epochs: int = 25, output_dir=None) -> dict:
    X, y = make_data(n_samples)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, stratify=y, random_state=0
    )
    start = time.perf_counter()
    # The pattern is crisp: a larger learning rate and 25 epochs are plenty.
    clf = GRUClassifier(learning_rate=1e-2, epochs=epochs, random_state=0).fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    accuracy = clf.score(X_test, y_test)
    auc = roc_auc_score(y_test, clf.predict_proba(X_test)[:, 1])
    baseline = LogisticRegression().fit(X_train, y_train).score(X_test, y_test)
    print(
        f"GRUClassifier: test accuracy {accuracy:.3f}, ROC AUC {auc:.3f}, fit {fit_seconds:.1f} s"
    )
    print(f"LogisticRegression: test accuracy {baseline:.3f} (majority class {y_test.mean():.3f})")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    proba = clf.predict_proba(X_test)[:, 1]
    ax.hist([proba[y_test == 0], proba[y_test == 1]], bins=20, label=["no run", "run of three"])
    ax.set_xlabel("predicted probability of a run of three 1s")
    ax.set_title(f"Binary sequences: accuracy {accuracy:.3f}")
    ax.legend()
    save_figure(fig, "binary_classification_probabilities", output_dir)
    return {"accuracy": accuracy, "auc": auc, "baseline": baseline, "fit_seconds": fit_seconds}


if __name__ == "__main__":
    main()
