"""sphinx-gallery helpers: the examples in task order, and their plots from files."""

from __future__ import annotations

import shutil
import time
from pathlib import Path


class NewPNGs:
    """The PNG files an example block wrote to ``folder`` since the build began.

    The examples save each plot as a PNG file and close the figure (``make demo``
    keeps them), so sphinx-gallery's matplotlib scraper finds no open figure.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.started = time.time()
        self.seen: set[str] = set()

    def __repr__(self) -> str:  # sphinx-gallery keys its cache on the repr
        return f"NewPNGs({self.folder.name!r})"

    def __call__(self, block, block_vars, gallery_conf) -> str:
        from sphinx_gallery.scrapers import figure_rst

        images = []
        for png in sorted(self.folder.glob("*.png")):
            if png.name in self.seen or png.stat().st_mtime < self.started:
                continue
            self.seen.add(png.name)
            target = next(block_vars["image_path_iterator"])
            shutil.copy(png, target)
            images.append(target)
        return figure_rst(images, gallery_conf["src_dir"])


class TaskOrder:
    """Sort key of the gallery: the examples in the order of the tasks they run
    (``examples/run_all.py``'s order, as ``make demo`` runs them), then the recipes
    by name."""

    ORDER = (
        "sum_classification.py",
        "binary_classification.py",
        "sine_forecasting.py",
        "airline.py",
        "next_word.py",
    )

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __repr__(self) -> str:
        return "TaskOrder"

    def __call__(self, filename: str) -> int:
        if filename in self.ORDER:
            return f"{self.ORDER.index(filename):02d}"
        return f"{len(self.ORDER):02d} {filename}"
