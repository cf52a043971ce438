"""Shared plumbing for the example scripts: where plots go and how they are saved."""

from __future__ import annotations

import os
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

OUTPUT_DIR = Path(__file__).resolve().parent / "output"


def save_figure(fig, name: str, output_dir: Path | None = None) -> Path:
    """Save ``fig`` as ``<output_dir>/<name>.png`` and close it."""
    folder = Path(output_dir or OUTPUT_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.png"
    fig.savefig(path, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return path
