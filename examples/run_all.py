"""Run every example end to end, as `make demo` does; plots go to examples/output/."""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

EXAMPLES = [
    "sum_classification",
    "binary_classification",
    "sine_forecasting",
    "airline",
    "next_word",
]


def main() -> None:
    for name in EXAMPLES:
        print(f"\n=== {name} ===", flush=True)
        start = time.perf_counter()
        importlib.import_module(name).main()
        print(f"({time.perf_counter() - start:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
