"""
Recipe: training on more data than memory with dask-ml's Incremental
====================================================================

dask-ml's ``Incremental`` wraps an estimator that has ``partial_fit`` and feeds it a
Dask array one block at a time, so only one block is in memory at once. Each
``GRUClassifier.partial_fit`` call trains one epoch on its block, keeping the
weights and the optimizer's state between calls.

The Dask array here is lazy: each block of 2,000 sequences of task 1 (is the sum
of 20 uniform values over 10?) is drawn only when ``partial_fit`` asks for it, as
a block read from disk or a database would be. ``passes`` walks over every
block several times, each pass in a new block order.

The first ``partial_fit`` learns the input scaling from its block and fixes the
classes, so pass ``classes``. The training policy of ``fit`` (epochs, early
stopping) does not apply: each call is one epoch.

Run: python examples/incremental_dask.py
"""

from __future__ import annotations

import dask.array as da
import numpy as np
from _common import plt, save_figure
from dask_ml.wrappers import Incremental

from sk_gru import GRUClassifier


def sum_task(n_samples: int, block: int, seed: int) -> tuple[da.Array, da.Array]:
    """A lazy Dask array of sequences, and their labels, ``block`` rows per chunk."""
    X = da.random.default_rng(seed).uniform(size=(n_samples, 20), chunks=(block, 20))
    return X, (X.sum(axis=1) > 10).astype(int)


def main(n_samples: int = 40_000, block: int = 2_000, passes: int = 3, output_dir=None) -> dict:
    X, y = sum_task(n_samples, block, seed=0)
    X_test, y_test = (part.compute() for part in sum_task(2_000, 2_000, seed=1))

    model = Incremental(
        GRUClassifier(learning_rate=3e-3, random_state=0), shuffle_blocks=True, random_state=0
    )
    accuracies = []
    for _ in range(passes):
        model.partial_fit(X, y, classes=[0, 1])
        accuracies.append(model.estimator_.score(X_test, y_test))
        print(
            f"after {len(accuracies)} pass(es) over {X.numblocks[0]} blocks: "
            f"test accuracy {accuracies[-1]:.3f}"
        )

    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(np.arange(1, passes + 1), accuracies, marker="o")
    ax.set_xlabel(f"passes over {X.numblocks[0]} blocks of {block} sequences")
    ax.set_ylabel("test accuracy")
    save_figure(fig, "incremental_dask", output_dir)
    return {
        "accuracies": accuracies,
        "n_blocks": X.numblocks[0],
        "epochs": model.estimator_.current_epoch,
    }


if __name__ == "__main__":
    main()
