"""
Recipe: sharing a fitted estimator with skops instead of pickle
===============================================================

Loading a pickle runs whatever code the file names, so a model file from someone
else is as risky as their script. ``skops.io`` stores the same estimator in a
format that names every type it holds, and ``load`` refuses any type not on a
list you trust. A fitted ``GRUClassifier`` holds seven types beyond NumPy and
the Python builtins that skops trusts by default:

- ``sk_gru.classifier.GRUClassifier`` (``sk_gru.regressor.GRURegressor`` for a
  regressor), the estimator;
- ``sk_gru._architecture.Architecture`` and ``sk_gru._training.NetworkState``: the
  network's settings and its weights as NumPy arrays;
- the optimizer's class, ``keras.src.optimizers.adam.Adam`` by default;
- ``scikeras.utils.transformers.ClassifierLabelEncoder`` and ``TargetReshaper``,
  which map the labels;
- ``numpy.dtype``.

Review ``get_untrusted_types`` once, then load with that list. The loaded model
predicts what the saved one did, and its ``model_`` is rebuilt from the weights.

Run: python examples/skops_persistence.py
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
from skops.io import dump, get_untrusted_types, load

from sk_gru import GRUClassifier

TRUSTED = [
    "keras.src.optimizers.adam.Adam",
    "numpy.dtype",
    "scikeras.utils.transformers.ClassifierLabelEncoder",
    "scikeras.utils.transformers.TargetReshaper",
    "sk_gru._architecture.Architecture",
    "sk_gru._training.NetworkState",
    "sk_gru.classifier.GRUClassifier",
]


def main(n_samples: int = 600, output_dir=None) -> dict:
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(n_samples, 20))
    y = (X.sum(axis=1) > 10).astype(int)
    classifier = GRUClassifier(random_state=0).fit(X, y)

    folder = Path(output_dir or tempfile.mkdtemp())
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "gru_classifier.skops"
    dump(classifier, path)
    untrusted = get_untrusted_types(file=path)
    print(f"{path.name}: {path.stat().st_size / 1024:.0f} KiB; types to review:")
    for name in untrusted:
        print(f"  {name}")
    loaded = load(path, trusted=TRUSTED)
    same = bool(np.array_equal(loaded.predict_proba(X), classifier.predict_proba(X)))
    print(f"the loaded classifier predicts the same probabilities: {same}")
    return {"untrusted": untrusted, "same_predictions": same, "path": path}


if __name__ == "__main__":
    main()
