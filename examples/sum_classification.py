"""
Task 1: is the sum of 20 uniform values over 10?
================================================

1000 sequences of 20 values drawn uniformly from [0, 1]; the label says whether
their sum exceeds 10. 800 train, 200 test. GRUClassifier is used with its defaults,
then a GridSearchCV over a Pipeline tunes the GRU width.

Run: python examples/sum_classification.py
"""

from __future__ import annotations

import time

import numpy as np
from _common import plt, save_figure
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from sk_gru import GRUClassifier


def make_data(n_samples: int = 1000, n_steps: int = 20, seed: int = 42):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n_samples, n_steps))
    return X, (X.sum(axis=1) > n_steps / 2).astype(int)


def main(n_samples: int = 1000, epochs="auto", grid_epochs: int = 8, output_dir=None) -> dict:
    X, y = make_data(n_samples)
    split = int(0.8 * n_samples)
    X_train, X_test, y_train, y_test = X[:split], X[split:], y[:split], y[split:]

    start = time.perf_counter()
    clf = GRUClassifier(epochs=epochs, random_state=0).fit(X_train, y_train)
    fit_seconds = time.perf_counter() - start
    accuracy = clf.score(X_test, y_test)
    baseline = LogisticRegression().fit(X_train, y_train).score(X_test, y_test)
    print(f"GRUClassifier (defaults): test accuracy {accuracy:.3f}, fit {fit_seconds:.1f} s")
    print(f"LogisticRegression:       test accuracy {baseline:.3f}")

    # Any step before the GRU works; the names nest as usual in scikit-learn.
    pipe = make_pipeline(
        FunctionTransformer(np.sqrt), GRUClassifier(epochs=grid_epochs, random_state=0)
    )
    grid = GridSearchCV(pipe, {"gruclassifier__units": [8, 32]}, cv=2)
    grid.fit(X_train, y_train)
    grid_accuracy = grid.score(X_test, y_test)
    print(f"GridSearchCV best {grid.best_params_}: test accuracy {grid_accuracy:.3f}")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(clf.history_["loss"], label="training loss")
    ax.plot(clf.history_["val_loss"], label="validation loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("binary cross-entropy")
    ax.set_title(f"Sum task: test accuracy {accuracy:.3f}")
    ax.legend()
    save_figure(fig, "sum_classification_loss", output_dir)
    return {"accuracy": accuracy, "fit_seconds": fit_seconds, "grid_accuracy": grid_accuracy}


if __name__ == "__main__":
    main()
