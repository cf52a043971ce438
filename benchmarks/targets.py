"""The project's performance and quality targets, checked against one run's results."""

from __future__ import annotations


def check(results: dict) -> list[tuple[str, bool, str]]:
    """``(target, met, measured)`` for every target the run's sections allow.

    Parameters
    ----------
    results : dict
        Section name -> that section's result, as :func:`benchmarks.run.main` builds.
    """
    found: list[tuple[str, bool, str]] = []
    if "latency" in results:
        lat = {row["path"]: row for row in results["latency"]}
        ours = lat["sk_gru predict"]
        scikeras = lat["scikeras predict"]["single_ms"] / ours["single_ms"]
        compiled = ours["batch800_ms"] / lat["compiled tf.function call"]["batch800_ms"]
        found += [
            (
                "single-sequence predict <= 1.5 ms",
                ours["single_ms"] <= 1.5,
                f"{ours['single_ms']:.3f} ms",
            ),
            (">= 30x faster than scikeras", scikeras >= 30, f"{scikeras:.0f}x"),
            ("batch of 800 <= 1.3x the compiled call", compiled <= 1.3, f"{compiled:.2f}x"),
        ]
        if "skorch predict" in lat:
            skorch = lat["skorch predict"]["single_ms"]
            found.append(
                (
                    "single predict no slower than skorch",
                    ours["single_ms"] <= skorch,
                    f"{ours['single_ms']:.3f} vs {skorch:.3f} ms",
                )
            )
    if "fit" in results:
        fits = {row["library"]: row["fit_s"] for row in results["fit"]["libraries"]}
        ratio = fits["sk_gru"] / fits["hand-written Keras"]
        found.append(("fit within 1.15x of hand-written Keras", ratio <= 1.15, f"{ratio:.2f}x"))
    if "memory" in results:
        memory = {row["library"]: row for row in results["memory"]["rows"]}
        ours_mb = memory["sk_gru"]["per_fit_mb"]
        theirs_mb = memory["scikeras"]["per_fit_mb"]
        found += [
            ("RSS growth <= 2 MB per fit", ours_mb <= 2, f"{ours_mb:.2f} MB"),
            (
                "RSS growth <= 1/10 of scikeras",
                ours_mb <= theirs_mb / 10,
                f"{ours_mb:.2f} vs {theirs_mb:.2f} MB",
            ),
        ]
    quality = {row["task"]: row for row in results.get("quality", [])}
    if "airline, 36-month MAPE" in quality:
        found += _quality_targets(quality)
    return found


def _quality_targets(quality: dict) -> list[tuple[str, bool, str]]:
    sum_task = quality["sum > 10, test accuracy"]["sk_gru"]
    sine = quality["sine, one-step test MSE"]["sk_gru"]
    rmse = quality["sine, 50-step recursive RMSE"]["sk_gru"]["value"]
    airline = quality["airline, 36-month MAPE"]["sk_gru"]["value"]
    compared = [row for row in quality.values() if row.get("keras")]

    def better(row: dict) -> bool:
        ours, theirs = row["sk_gru"]["value"], row["keras"]["value"]
        return ours >= theirs if "accuracy" in row["task"] else ours <= theirs

    return [
        (
            "sum task: accuracy >= 0.98 with defaults",
            sum_task["value"] >= 0.98,
            f"{sum_task['value']:.3f}",
        ),
        ("sum task: fit <= 15 s", sum_task["s"] <= 15, f"{sum_task['s']:.1f} s"),
        ("sine: one-step MSE <= 1e-4", sine["value"] <= 1e-4, f"{sine['value']:.1e}"),
        ("sine: fit <= 20 s", sine["s"] <= 20, f"{sine['s']:.1f} s"),
        ("sine: 50-step RMSE <= 0.05", rmse <= 0.05, f"{rmse:.4f}"),
        ("airline: MAPE <= 0.08", airline <= 0.08, f"{airline:.3f}"),
        (
            "quality >= hand-written Keras on every task (different settings, see the table)",
            all(better(row) for row in compared),
            ", ".join(
                f"{row['sk_gru']['value']:.3g} vs {row['keras']['value']:.3g}" for row in compared
            ),
        ),
    ]


def report(found: list[tuple[str, bool, str]]) -> list[str]:
    """The targets table."""
    lines = ["## Targets", "", "| Target | Met | Measured |", "|---|---|---|"]
    lines += [
        f"| {name} | {'met' if ok else '**missed**'} | {value} |" for name, ok, value in found
    ]
    return lines + [""]
