"""Grid search across processes: joblib's loky backend and a real Dask cluster."""

import numpy as np
import pytest
from joblib import Parallel, cpu_count, delayed, parallel_backend
from sklearn.model_selection import GridSearchCV

from sk_gru import GRUClassifier

SEARCH = {
    "estimator": GRUClassifier(units=4, epochs=2, early_stopping=False, random_state=0),
    "param_grid": {"units": [4, 8], "learning_rate": [0.01, 0.03]},
    "cv": 2,
    "refit": False,
}


def _split_scores(search: GridSearchCV) -> np.ndarray:
    return np.array([search.cv_results_[f"split{i}_test_score"] for i in range(SEARCH["cv"])])


def _tensorflow_threads() -> tuple[int, int]:
    import tensorflow as tf

    import sk_gru  # noqa: F401 (importing sk_gru applies the worker's thread budget)

    return (
        tf.config.threading.get_intra_op_parallelism_threads(),
        tf.config.threading.get_inter_op_parallelism_threads(),
    )


@pytest.fixture(scope="module")
def serial_scores(sum_data_module):
    X, y = sum_data_module
    return _split_scores(GridSearchCV(**SEARCH, n_jobs=1).fit(X, y))


@pytest.fixture(scope="module")
def sum_data_module():
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(80, 10))
    return X, (X.sum(axis=1) > 5).astype(int)


@pytest.mark.slow
def test_loky_grid_search_matches_serial_and_limits_tensorflow_threads(
    sum_data_module, serial_scores
):
    X, y = sum_data_module
    parallel = GridSearchCV(**SEARCH, n_jobs=2).fit(X, y)
    np.testing.assert_array_equal(_split_scores(parallel), serial_scores)
    # joblib gives each of two workers cores // 2 threads; TensorFlow must use that.
    share = max(cpu_count() // 2, 1)
    threads = Parallel(n_jobs=2)(delayed(_tensorflow_threads)() for _ in range(2))
    assert threads == [(share, share)] * 2


@pytest.mark.slow
def test_dask_local_cluster_grid_search_matches_serial(sum_data_module, serial_scores):
    distributed = pytest.importorskip("dask.distributed")
    X, y = sum_data_module
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        with parallel_backend("dask"):
            scores = _split_scores(GridSearchCV(**SEARCH, n_jobs=-1).fit(X, y))
        threads = client.run(_tensorflow_threads)
    np.testing.assert_array_equal(scores, serial_scores)
    assert len(threads) == 2
    assert set(threads.values()) == {(1, 1)}  # Dask's nanny sets OMP_NUM_THREADS=1
