"""The benchmark code keeps working: one run at tiny sizes."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))


@pytest.mark.slow
def test_benchmark_runs_at_tiny_sizes_and_writes_its_report(tmp_path):
    import run

    results = run.main(quick=True, output_dir=tmp_path)
    report = (tmp_path / "RESULTS.md").read_text()
    assert "sk_gru predict" in report and "## Targets" in report
    assert (tmp_path / "predict_latency.png").exists()
    serial = [row for row in results["grid_search"]["rows"] if row["mode"] == "serial"]
    assert {row["library"] for row in serial} >= {"sk_gru", "scikeras", "hand-written Keras"}
    assert all(row["peak_mb"] > 0 and len(row["scores"]) == 1 for row in serial)
