"""sk_gru side by side with hand-written Keras, scikeras, skorch, torch and aeon.

One module per section: :mod:`benchmarks.latency`, :mod:`benchmarks.fit`,
:mod:`benchmarks.grid_search`, :mod:`benchmarks.memory`, :mod:`benchmarks.parallel`,
:mod:`benchmarks.scaling`, :mod:`benchmarks.text`, :mod:`benchmarks.quality` and
:mod:`benchmarks.timeseries`. Each runs alone (``python -m benchmarks.latency
[--quick]`` prints its table); ``python -m benchmarks`` runs them all and writes
``benchmarks/RESULTS.md``.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
