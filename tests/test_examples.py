"""The example scripts run end to end at tiny sizes and write their plots."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "examples"))


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "kwargs", "metric"),
    [
        ("sum_classification", {"n_samples": 120, "epochs": 3, "grid_epochs": 1}, "accuracy"),
        ("binary_classification", {"n_samples": 160, "epochs": 3}, "accuracy"),
        ("sine_forecasting", {"n_points": 200, "horizon": 10, "epochs": 3}, "mse"),
        ("airline", {"epochs": 3}, "mape"),
        ("next_word", {"max_sentences": 60, "epochs": 2, "seed_epochs": 2}, "top5"),
    ],
)
def test_example_runs_and_saves_its_plot(name, kwargs, metric, tmp_path):
    module = __import__(name)
    results = module.main(output_dir=tmp_path, **kwargs)
    assert 0 <= results[metric] < float("inf")
    assert list(tmp_path.glob("*.png"))


def test_halving_recipe_trains_fewer_candidates_for_more_epochs(tmp_path):
    import halving_over_epochs

    results = halving_over_epochs.main(n_samples=300, max_epochs=9, output_dir=tmp_path)
    assert results["n_resources"] == [1, 3, 9]
    assert results["n_candidates"] == [9, 3, 1]
    assert results["accuracy"] >= 0.9
    assert list(tmp_path.glob("*.png"))
