"""Every Python block of the README and of the docs' pages runs.

Each file's blocks run in order in one namespace, as a reader would paste them. A
block already run verbatim from an earlier file is not run again (the quickstart
appears in the README and in the user guide); a block that connects to a Dask
cluster is not run (it needs one), and a block that imports a library of
``OPTIONAL`` runs only where it is installed.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
FILES = [path for path in FILES if "_build" not in path.parts and "_generated" not in path.parts]
BLOCK = re.compile(r"^```python\n(.*?)^```", re.DOTALL | re.MULTILINE)


def _blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text())


def _new_blocks() -> dict[Path, list[str]]:
    seen: set[str] = set()
    new = {}
    for path in FILES:
        blocks = [block for block in _blocks(path) if block not in seen]
        seen.update(blocks)
        new[path] = [block for block in blocks if 'Client("tcp://' not in block]
    return new


NEW = _new_blocks()

# Libraries the docs show that make test does not install, and why.
OPTIONAL = {"skforecast": "skforecast 0.26 requires pandas < 3, and make test installs pandas 3"}


def test_the_docs_hold_python_blocks_to_run():
    assert _blocks(ROOT / "README.md")
    assert sum(len(blocks) for blocks in NEW.values()) >= 7


@pytest.mark.parametrize(
    "path", [path for path, blocks in NEW.items() if blocks], ids=lambda p: p.name
)
def test_python_blocks_run(path, monkeypatch, tmp_path):
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__docs__"}
    for block in NEW[path]:
        for module, reason in OPTIONAL.items():
            if re.search(rf"^(from|import) {module}\b", block, re.MULTILINE):
                pytest.importorskip(module, reason=reason)
        exec(compile(block, str(path), "exec"), namespace)
