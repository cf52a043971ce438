"""sk_gru: GRU networks as first-class scikit-learn estimators."""

from .classifier import GRUClassifier
from .regressor import GRURegressor

__all__ = ["GRUClassifier", "GRURegressor"]
__version__ = "0.1.0"
