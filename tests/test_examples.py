"""The example scripts run end to end at tiny sizes and write their plots."""

import sys
from pathlib import Path

import numpy as np
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


def test_conformal_recipe_covers_at_the_asked_rate_with_narrow_intervals(tmp_path):
    import conformal_intervals

    results = conformal_intervals.main(n_points=800, epochs=5, output_dir=tmp_path)
    # Coverage varies with the calibration and the test draws: three standard
    # deviations of both, each about sqrt(0.9 * 0.1 / n).
    tolerance = 3 * np.sqrt(2 * 0.9 * 0.1 / results["n_test"])
    assert abs(results["coverage"] - 0.9) <= tolerance
    # Narrower than the series' own spread: the intervals follow the forecast.
    assert results["width"] < 0.75 * results["unconditional_width"]
    assert list(tmp_path.glob("*.png"))


def test_sktime_reduction_recipe_beats_seasonal_naive_over_the_test_months(tmp_path):
    import sktime_reduction

    results = sktime_reduction.main(epochs=5, output_dir=tmp_path)
    forecast = results["forecast"]
    assert len(forecast) == 36 and str(forecast.index[0]) == "1958-01"
    assert results["mape"] < results["seasonal_naive_mape"]
    assert list(tmp_path.glob("*.png"))


def test_optuna_recipe_prunes_trials_through_partial_fit(tmp_path):
    import optuna_search

    results = optuna_search.main(n_samples=200, n_trials=4, max_epochs=3, output_dir=tmp_path)
    assert results["n_trials"] == 4
    # Every trial reported one score per epoch it trained, at most max_epochs.
    assert all(1 <= n <= 3 for n in results["epochs_per_trial"])
    assert results["accuracy"] >= 0.8
    assert list(tmp_path.glob("*.png"))


def test_incremental_recipe_trains_one_epoch_per_block_and_pass(tmp_path):
    import incremental_dask

    results = incremental_dask.main(n_samples=4_000, block=1_000, passes=2, output_dir=tmp_path)
    assert results["n_blocks"] == 4
    assert results["epochs"] == 2 * 4
    assert results["accuracies"][-1] >= 0.9
    assert list(tmp_path.glob("*.png"))


def test_skops_recipe_loads_what_it_trusts_and_refuses_other_types(tmp_path):
    import skops_persistence
    from skops.io import dump, load
    from skops.io.exceptions import UntrustedTypesFoundException

    from sk_gru import GRUClassifier

    results = skops_persistence.main(n_samples=100, output_dir=tmp_path)
    assert sorted(results["untrusted"]) == sorted(skops_persistence.TRUSTED)
    assert results["same_predictions"]
    with pytest.raises(UntrustedTypesFoundException):
        load(results["path"], trusted=skops_persistence.TRUSTED[1:])
    # Another optimizer is a type the list does not hold.
    X = np.random.default_rng(0).uniform(size=(40, 5))
    other = GRUClassifier(epochs=1, optimizer="rmsprop").fit(X, X.sum(axis=1) > 2.5)
    dump(other, tmp_path / "rmsprop.skops")
    with pytest.raises(UntrustedTypesFoundException, match="RMSprop"):
        load(tmp_path / "rmsprop.skops", trusted=skops_persistence.TRUSTED)
