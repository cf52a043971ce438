"""Sphinx configuration: ``make docs`` builds the site into docs/_build/html."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "sphinxext"))

from gallery import NewPNGs  # noqa: E402

# sphinx-gallery resolves the names each example uses; the halving recipe's need
# scikit-learn's experimental switch.
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401

import sk_gru  # noqa: E402

project = "sk_gru"
author = "the sk_gru developers"
copyright = "2026, the sk_gru developers"
release = version = sk_gru.__version__

extensions = [
    "myst_parser",
    "numpydoc",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx_gallery.gen_gallery",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "_generated/*.md", "auto_examples/*.ipynb"]
myst_heading_anchors = 3
autosummary_generate = True
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
# No internet on the build machines: no intersphinx.

html_theme = "pydata_sphinx_theme"
html_title = "sk_gru"
html_theme_options = {"navigation_with_keys": False}


sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/(?!_|run_all)[a-z_]+\.py$",
    "ignore_pattern": r"(_common|run_all)\.py$",
    "image_scrapers": (NewPNGs(ROOT / "examples" / "output"),),
    "download_all_examples": False,
    "remove_config_comments": True,
    "within_subsection_order": "gallery.TaskOrder",
}


def _benchmark_results(app) -> None:
    """docs/_generated/results.md from benchmarks/results.json, with its plots."""
    from benchmarks import run

    generated = DOCS / "_generated"
    generated.mkdir(exist_ok=True)
    results = json.loads((ROOT / "benchmarks" / "results.json").read_text())
    markdown = run.report(results)
    # One page title: the report's own headings move down a level.
    markdown = "\n".join(
        "#" + line if line.startswith("#") else line for line in markdown.splitlines()
    )
    for png in (ROOT / "benchmarks").glob("*.png"):
        shutil.copy(png, generated / png.name)
        # The page that includes the report sits one folder up.
        markdown = markdown.replace(f"]({png.name})", f"](_generated/{png.name})")
    (generated / "results.md").write_text(markdown + "\n")


def setup(app) -> None:
    app.connect("builder-inited", _benchmark_results)
