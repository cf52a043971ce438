"""The benchmark code keeps working: one run of every section at tiny sizes."""

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    sys.path.insert(0, str(ROOT))
    from benchmarks import run

    output_dir = tmp_path_factory.mktemp("bench")
    return run.main(quick=True, output_dir=output_dir), output_dir


@pytest.mark.slow
def test_quick_run_writes_report_with_every_section_and_its_provenance(quick_run):
    results, output_dir = quick_run
    report = (output_dir / "RESULTS.md").read_text()
    for heading in (
        "## Predict latency",
        "## Fit wall time",
        "## Milliseconds per training step",
        "## Grid search",
        "## Memory",
        "## Next-word training",
        "## Quality",
        "## Small real time-series sets",
        "## Small-data regression and forecasting",
        "## Isolation across estimators",
        "## Targets",
    ):
        assert heading in report
    assert results["provenance"]["commit"] in report
    assert (output_dir / "predict_latency.png").exists()
    assert (output_dir / "results.json").exists()


@pytest.mark.slow
def test_quick_run_grid_search_has_a_row_per_library_with_its_peak(quick_run):
    results, _ = quick_run
    rows = {row["library"]: row for row in results["grid_search"]["rows"]}
    assert set(rows) >= {"sk_gru", "scikeras", "hand-written Keras"}
    assert all(row["peak_rss_mb"] > 0 and len(row["scores"]) == 1 for row in rows.values())


@pytest.mark.slow
def test_quick_run_small_fits_time_each_library_in_its_own_rounds(quick_run):
    results, _ = quick_run
    rows = results["fit"]["small_fits"]
    if not rows:
        pytest.skip("torch, for skorch, is not installed (make bench installs it)")
    for row in rows:
        assert {library: len(times) for library, times in row["rounds_s"].items()} == {
            "sk_gru": 1,
            "skorch": 1,
        }
        assert row["sk_gru_s"] == row["rounds_s"]["sk_gru"][0] > 0


@pytest.mark.slow
def test_quick_run_timeseries_compares_minirocket_and_sk_gru_on_one_set(quick_run):
    results, _ = quick_run
    (row,) = results["timeseries"]["rows"]
    assert row["dataset"] == "Coffee"
    assert 0 <= row["minirocket"]["value"] <= 1
    assert 0 <= row["sk_gru_defaults"]["value"] <= 1


@pytest.mark.slow
def test_quick_run_small_regression_sets_sk_gru_beside_its_baselines(quick_run):
    results, _ = quick_run
    (row,) = results["small_regression"]["rows"]
    assert row["dataset"] == "ShampooSales"
    assert len(row["sk_gru"]["seeds"]) == 1 and row["sk_gru"]["value"] > 0
    assert row["mean"]["value"] > 0 and row["ridge"]["value"] > 0


def test_sections_run_in_a_fresh_interpreter_return_json_values(tmp_path):
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from benchmarks.common import in_fresh_process, jsonable

    assert jsonable(np.float32(0.5)) == 0.5 and type(jsonable(np.int64(3))) is int
    assert jsonable(np.arange(3)) == [0, 1, 2]
    grid = {"rows": [{"library": "sk_gru", "per_fit_mb": 0.25, "peak_rss_mb": 900.0}], "fits": 2}
    done = in_fresh_process(
        "benchmarks.run:run_section",
        name="memory",
        quick=True,
        output_dir=str(tmp_path),
        earlier={"grid_search": grid},
    )
    assert done["result"] == {"rows": grid["rows"], "fits": 2}
    assert done["seconds"] >= 0 and done["peak_rss_mb"] > 0


def test_left_pad_puts_pad_value_before_short_series():
    sys.path.insert(0, str(ROOT))
    import numpy as np

    from benchmarks.common import left_pad, load_series_csv
    from sk_gru import PAD_VALUE

    series, labels = load_series_csv("PickupGestureWiimoteZ", "TRAIN")
    padded = left_pad(series, 361, PAD_VALUE)
    shortest = int(np.argmin([len(s) for s in series]))
    n_pad = 361 - len(series[shortest])
    assert padded.shape == (len(labels), 361, 1)
    assert np.all(padded[shortest, :n_pad, 0] == np.float32(PAD_VALUE))
    np.testing.assert_allclose(padded[shortest, n_pad:, 0], series[shortest], rtol=1e-6)
