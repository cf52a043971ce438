"""
Recipe: an Optuna search with pruning over epochs
=================================================

optuna-integration's ``OptunaSearchCV`` is a drop-in for ``RandomizedSearchCV``
whose sampler (TPE by default) proposes each trial from the scores of the trials
before it. With ``enable_pruning=True`` it trains each candidate through
``partial_fit``, one epoch per call up to ``max_iter``, reports the cross-validated
score after each, and stops a trial whose score falls behind the others' at the
same epoch. The GRU estimators' ``partial_fit`` trains exactly one more epoch, so
a pruned trial costs only the epochs it ran.

The data are task 1's: is the sum of 20 uniform values over 10?

Run: python examples/optuna_search.py
"""

from __future__ import annotations

import numpy as np
import optuna
from _common import plt, save_figure
from optuna.distributions import FloatDistribution, IntDistribution
from optuna_integration import OptunaSearchCV

from sk_gru import GRUClassifier


def main(n_samples: int = 600, n_trials: int = 12, max_epochs: int = 10, output_dir=None) -> dict:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(n_samples, 20))
    y = (X.sum(axis=1) > 10).astype(int)
    split = int(0.8 * n_samples)

    search = OptunaSearchCV(
        GRUClassifier(random_state=0),
        {
            "units": IntDistribution(4, 32, log=True),
            "learning_rate": FloatDistribution(1e-3, 3e-2, log=True),
        },
        cv=2,
        n_trials=n_trials,
        enable_pruning=True,
        max_iter=max_epochs,
        random_state=0,
    ).fit(X[:split], y[:split])
    accuracy = search.score(X[split:], y[split:])
    trials = search.trials_
    pruned = sum(trial.state == optuna.trial.TrialState.PRUNED for trial in trials)
    print(f"{len(trials)} trials, {pruned} pruned; best {search.best_params_}")
    print(f"test accuracy of the refitted best: {accuracy:.3f}")

    fig, ax = plt.subplots(figsize=(6, 3.5))
    for trial in trials:
        epochs = sorted(trial.intermediate_values)
        scores = [trial.intermediate_values[epoch] for epoch in epochs]
        is_pruned = trial.state == optuna.trial.TrialState.PRUNED
        ax.plot(np.add(epochs, 1), scores, color="grey" if is_pruned else "C0", alpha=0.8)
    ax.set_xlabel("epochs")
    ax.set_ylabel("cross-validated accuracy")
    ax.set_title("Trials (grey: pruned)")
    save_figure(fig, "optuna_search", output_dir)
    return {
        "accuracy": accuracy,
        "n_trials": len(trials),
        "n_pruned": pruned,
        "epochs_per_trial": [len(trial.intermediate_values) for trial in trials],
    }


if __name__ == "__main__":
    main()
