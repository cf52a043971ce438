"""
Recipe: successive halving over epochs
======================================

``HalvingRandomSearchCV`` with ``resource="epochs"`` trains many candidates for a
few epochs, keeps the best third, trains those three times longer, and so on: the
search spends its epochs on the settings that learn. The GRU estimators take
``epochs`` as an ordinary parameter, so scikit-learn sets it per round; with
``early_stopping=False`` each round trains exactly that many epochs.

The data are task 1's: is the sum of 20 uniform values over 10?

Run: python examples/halving_over_epochs.py
"""

from __future__ import annotations

import numpy as np
from _common import plt, save_figure
from scipy.stats import loguniform
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import HalvingRandomSearchCV

from sk_gru import GRUClassifier


def main(n_samples: int = 600, max_epochs: int = 18, output_dir=None) -> dict:
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(n_samples, 20))
    y = (X.sum(axis=1) > 10).astype(int)
    split = int(0.8 * n_samples)

    search = HalvingRandomSearchCV(
        GRUClassifier(early_stopping=False, random_state=0),
        {"units": [8, 16, 32], "learning_rate": loguniform(1e-3, 3e-2)},
        resource="epochs",
        min_resources=max_epochs // 9,
        max_resources=max_epochs,
        factor=3,
        cv=2,
        random_state=0,
    ).fit(X[:split], y[:split])
    accuracy = search.score(X[split:], y[split:])
    for rounds, (candidates, epochs) in enumerate(
        zip(search.n_candidates_, search.n_resources_, strict=True)
    ):
        print(f"round {rounds}: {candidates} candidates, {epochs} epochs each")
    print(f"best {search.best_params_}: test accuracy {accuracy:.3f}")

    results = search.cv_results_
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.scatter(results["n_resources"], results["mean_test_score"], alpha=0.7)
    ax.set_xlabel("epochs")
    ax.set_ylabel("cross-validated accuracy")
    ax.set_title("Each round trains fewer candidates for longer")
    save_figure(fig, "halving_over_epochs", output_dir)
    return {
        "accuracy": accuracy,
        "n_candidates": list(search.n_candidates_),
        "n_resources": list(search.n_resources_),
    }


if __name__ == "__main__":
    main()
