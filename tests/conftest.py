import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture
def sum_data():
    """The sum task at test size: 20-step uniform sequences, label sum > 10."""
    rng = np.random.default_rng(0)
    X = rng.uniform(size=(120, 20))
    return X, (X.sum(axis=1) > 10).astype(int)


@pytest.fixture
def regression_data():
    """Sequences of values in the hundreds whose target is their mean."""
    rng = np.random.default_rng(1)
    X = 100 + 50 * rng.normal(size=(120, 8))
    return X, X.mean(axis=1)


def pytest_collection_modifyitems(items):
    """Run the slow tests first, so that pytest-xdist overlaps them with the rest."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
