"""sk_gru: GRU networks as first-class scikit-learn estimators."""

from ._network import PAD_VALUE
from ._runtime import limit_threads_to_worker_share
from .classifier import GRUClassifier
from .regressor import GRURegressor
from .text import TextSequencer, generate_text, next_word_pairs
from .windowing import SequenceWindower, forecast_pairs, recursive_forecast

__all__ = [
    "PAD_VALUE",
    "GRUClassifier",
    "GRURegressor",
    "SequenceWindower",
    "TextSequencer",
    "generate_text",
    "next_word_pairs",
    "forecast_pairs",
    "recursive_forecast",
]
__version__ = "0.1.0"

limit_threads_to_worker_share()
