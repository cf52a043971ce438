"""How an epoch and a single predict grow with sequence length and with units.

``GRURegressor`` on 128 random sequences, batch 32, 3 epochs without early
stopping; the epoch time is the median of epochs 2 and 3 (the first one traces).
Without the convolution front end (``conv_filters=()``), so that the GRU reads
every step: ``conv_filters="auto"`` would pool sequences over 64 steps to 4 to 16.
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from benchmarks.common import median_seconds, section_main, size, timed

SIZES = {"n": (128, 32)}
CONFIGS = {False: [(10, 64), (100, 64), (1000, 64), (100, 16), (100, 256)], True: [(10, 8)]}


def run(quick: bool = False) -> list[dict]:
    """One row per (steps, units) configuration.

    Returns
    -------
    list of dict
        ``steps``, ``units``, ``n``, ``epoch_s``, ``fit_3_epochs_s``, ``single_ms``.
    """
    import keras

    from sk_gru import GRURegressor

    class EpochTimer(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.seconds = []

        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds.append(time.perf_counter() - self.start)

    n = size(SIZES, "n", quick)
    rng = np.random.default_rng(0)
    rows = []
    for steps, units in CONFIGS[quick]:
        X = rng.normal(size=(n, steps)).astype("float32")
        y = X.mean(axis=1)
        timer = EpochTimer()
        model = GRURegressor(
            units=units,
            batch_size=32,
            conv_filters=(),
            epochs=3,
            early_stopping=False,
            random_state=0,
            callbacks=[timer],
        )
        _, fit_seconds = timed(lambda model=model, X=X, y=y: model.fit(X, y))
        rows.append(
            {
                "steps": steps,
                "units": units,
                "n": n,
                "fit_3_epochs_s": fit_seconds,
                "epoch_s": statistics.median(timer.seconds[1:]),
                "single_ms": 1e3 * median_seconds(lambda m=model, x=X[:1]: m.predict(x), 20),
            }
        )
    return rows


def report(rows: list[dict]) -> list[str]:
    """The scaling table."""
    lines = [
        f"## Cost against sequence length and units (GRURegressor, {rows[0]['n']} "
        "sequences, batch 32, no convolution front end: the GRU reads every step)",
        "",
        "| Steps | Units | Epoch (s) | Fit, 3 epochs (s) | Predict one sequence (ms) |",
        "|---|---|---|---|---|",
    ]
    lines += [
        f"| {row['steps']} | {row['units']} | {row['epoch_s']:.3f} | "
        f"{row['fit_3_epochs_s']:.2f} | {row['single_ms']:.2f} |"
        for row in rows
    ]
    return lines + [""]


if __name__ == "__main__":
    section_main(run, report)
