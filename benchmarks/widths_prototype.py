"""Prototype for widths as data: one traced epoch loop serving every GRU width.

``python -m benchmarks.widths_prototype`` traces, once, a whole-epoch train loop of
the network sk_gru trains on the sum task's regression twin (standardised input,
GRU over 20 steps unrolled, linear head, MSE, Adam written out as
``keras.optimizers.Adam`` computes it), whose weights and optimizer state are
loop variables of unknown widths (``tf.TensorSpec([None, None])``). The GRU step
is sk_gru's own (``_trained_gru_state``, its gradient written out); the splits read
the width at run time. It then runs that one program at several widths and
reports, beside sk_gru's fits of the same widths in the same process:

- the trace and the first call of each width (sk_gru: the first fit of a width,
  against a second fit);
- milliseconds per training step at each width, over several epochs.

This is not the library's code path: it answers whether unknown widths keep the
step time, before the training core is rewritten around them (the issue on widths
as data).
"""

from __future__ import annotations

import statistics
import time

import numpy as np
import tensorflow as tf

from benchmarks.common import section_main, timed

WIDTHS = (8, 16, 24, 32, 64)
N, STEPS, BATCH, EPOCHS = 800, 20, 32, 10
BETA_1, BETA_2, EPSILON = 0.9, 0.999, 1e-7


def _weights(units: int, rng: np.random.Generator) -> list[np.ndarray]:
    """GRU kernel, recurrent kernel, bias (2, 3u), head kernel, head bias (float32)."""

    def glorot(rows, cols):
        limit = np.sqrt(6.0 / (rows + cols))
        return rng.uniform(-limit, limit, size=(rows, cols))

    recurrent = np.linalg.qr(rng.normal(size=(3 * units, units)))[0].T
    values = [glorot(1, 3 * units), recurrent, np.zeros((2, 3 * units)), glorot(units, 1)]
    return [v.astype("float32") for v in (*values, np.zeros(1))]


def _forward(weights, x):
    from sk_gru._network import _trained_gru_state

    kernel, recurrent, bias, head, head_bias = weights
    units = tf.shape(recurrent)[0]
    sizes = tf.stack([2 * units, units])
    projected = tf.einsum("btf,fg->btg", x, kernel) + bias[0]
    h = tf.zeros(tf.stack([tf.shape(x)[0], units]))
    for x_t in tf.unstack(projected, num=STEPS, axis=1):
        inner = tf.matmul(h, recurrent) + bias[1]
        x_zr, x_h = tf.split(x_t, sizes, axis=-1)
        inner_zr, inner_h = tf.split(inner, sizes, axis=-1)
        h = _trained_gru_state(x_zr, x_h, inner_zr, inner_h, h)
    return tf.matmul(h, head) + head_bias


def _epoch_function():
    """The traced epoch: ``(x, y, order, weights, m, v, iterations, rate)`` to the new
    weights, moments, iterations and the mean loss."""
    matrix, vector = tf.TensorSpec([None, None]), tf.TensorSpec([None])
    weight_specs = [matrix, matrix, matrix, matrix, vector]
    signature = [
        tf.TensorSpec([None, STEPS, 1]),
        tf.TensorSpec([None, 1]),
        tf.TensorSpec([None], tf.int32),
        weight_specs,
        weight_specs,
        weight_specs,
        tf.TensorSpec([]),
        tf.TensorSpec([]),
    ]

    def epoch(x, y, order, weights, m, v, iterations, rate):
        n = tf.shape(order)[0]
        batches = n // BATCH

        def body(index, weights, m, v, iterations, total):
            rows = order[index * BATCH : (index + 1) * BATCH]
            xb, yb = tf.gather(x, rows), tf.gather(y, rows)
            with tf.GradientTape() as tape:
                tape.watch(weights)
                loss = tf.reduce_mean(tf.square(_forward(weights, xb) - yb))
            gradients = tape.gradient(loss, weights)
            iterations = iterations + 1.0
            step = rate * tf.sqrt(1.0 - BETA_2**iterations) / (1.0 - BETA_1**iterations)
            new_m = [mi + (g - mi) * (1.0 - BETA_1) for mi, g in zip(m, gradients, strict=True)]
            new_v = [
                vi + (tf.square(g) - vi) * (1.0 - BETA_2)
                for vi, g in zip(v, gradients, strict=True)
            ]
            new_weights = [
                w - step * mi / (tf.sqrt(vi) + EPSILON)
                for w, mi, vi in zip(weights, new_m, new_v, strict=True)
            ]
            return index + 1, new_weights, new_m, new_v, iterations, total + loss

        _, weights, m, v, iterations, total = tf.while_loop(
            lambda index, *_: index < batches,
            body,
            (tf.constant(0), weights, m, v, iterations, tf.constant(0.0)),
        )
        return weights, m, v, iterations, total / tf.cast(batches, tf.float32)

    return tf.function(epoch, input_signature=signature, autograph=False)


def _data():
    rng = np.random.default_rng(0)
    x = rng.uniform(size=(N, STEPS, 1)).astype("float32")
    y = x.mean(axis=(1, 2))[:, None].astype("float32")
    return (x - x.mean()) / x.std(), (y - y.mean()) / y.std()


def prototype_times() -> dict:
    """Trace once, then per width: first call, and ms per step over ``EPOCHS``."""
    x, y = map(tf.constant, _data())
    function = _epoch_function()
    order = tf.range(N, dtype=tf.int32)
    rows = {}
    trace_s = None
    for units in WIDTHS:
        weights = [tf.constant(w) for w in _weights(units, np.random.default_rng(0))]
        zeros = [tf.zeros_like(w) for w in weights]
        state = (weights, zeros, zeros, tf.constant(0.0), tf.constant(3e-3))
        if trace_s is None:
            trace_s = timed(lambda s=state: function.get_concrete_function(x, y, order, *s))[1]
        (weights, m, v, iterations, loss), first_s = timed(
            lambda state=state: function(x, y, order, *state)
        )
        losses = [float(loss)]
        start = time.perf_counter()
        for _ in range(EPOCHS):
            weights, m, v, iterations, loss = function(
                x, y, order, weights, m, v, iterations, tf.constant(3e-3)
            )
            losses.append(float(loss))
        per_step = 1e3 * (time.perf_counter() - start) / (EPOCHS * (N // BATCH))
        rows[units] = {"first_call_s": first_s, "ms_per_step": per_step, "losses": losses}
    return {"trace_s": trace_s, "widths": rows}


def sk_gru_times() -> dict:
    """sk_gru's first and second fit of each width, and ms per step of a fit."""
    from sk_gru import GRURegressor

    x, y = _data()

    def fit(units, epochs):
        return GRURegressor(
            units=units, epochs=epochs, batch_size=BATCH, early_stopping=False, random_state=0
        ).fit(x, y[:, 0])

    rows = {}
    for units in WIDTHS:
        first_s = timed(lambda units=units: fit(units, 1))[1]
        second_s = timed(lambda units=units: fit(units, 1))[1]
        long_s = timed(lambda units=units: fit(units, EPOCHS + 1))[1]
        per_step = 1e3 * (long_s - second_s) / (EPOCHS * -(-N // BATCH))
        rows[units] = {"first_fit_s": first_s, "second_fit_s": second_s, "ms_per_step": per_step}
    return rows


def run(quick: bool = False) -> dict:
    """Both sides, prototype first, in this process."""
    return {"prototype": prototype_times(), "sk_gru": sk_gru_times()}


def report(result: dict) -> list[str]:
    prototype, sk_gru = result["prototype"], result["sk_gru"]
    lines = [
        "## Widths as data: prototype",
        "",
        f"One trace of the prototype's epoch loop: {prototype['trace_s']:.2f} s.",
        "",
        "| GRU units | prototype first call (s) | prototype ms/step | sk_gru first fit (s) "
        "| sk_gru second fit (s) | sk_gru ms/step |",
        "|---|---|---|---|---|---|",
    ]
    for units in WIDTHS:
        p, s = prototype["widths"][units], sk_gru[units]
        lines.append(
            f"| {units} | {p['first_call_s']:.3f} | {p['ms_per_step']:.2f} | "
            f"{s['first_fit_s']:.3f} | {s['second_fit_s']:.3f} | {s['ms_per_step']:.2f} |"
        )
    steps = [prototype["widths"][u]["ms_per_step"] / sk_gru[u]["ms_per_step"] for u in WIDTHS]
    lines += ["", f"Prototype over sk_gru, ms per step: median {statistics.median(steps):.2f}x", ""]
    return lines


if __name__ == "__main__":
    section_main(run, report)
