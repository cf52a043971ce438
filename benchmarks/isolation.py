"""Isolation across estimators at scale: the property test with 200 random pairs.

``tests/test_architecture.py`` draws pairs of settings (optimizer and its options,
learning-rate schedule, loss, dropout, masking, width, convolution, embedding),
fits the first and then the second in one process, and requires the second to
equal, bit for bit, the same estimator fitted with an empty program cache. The
test suite runs 12 pairs; this section runs 200.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys

from benchmarks.common import ROOT, section_main, timed

PAIRS = {False: 200, True: 1}
TEST = "tests/test_architecture.py::test_a_fit_never_depends_on_what_was_fitted_before"


def run(quick: bool = False) -> dict:
    """Run the property test with ``PAIRS[quick]`` pairs in a fresh interpreter."""
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"]
    command += ["--hypothesis-show-statistics", TEST]
    env = {**os.environ, "SK_GRU_ISOLATION_PAIRS": str(PAIRS[quick])}
    done, seconds = timed(
        lambda: subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    )
    # Hypothesis's statistics, one line per phase: "3 passing, 0 failing, and ...".
    phases = re.findall(r"(\d+) passing, (\d+) failing", done.stdout)
    return {
        "pairs_asked": PAIRS[quick],
        "pairs_passed": sum(int(passing) for passing, _ in phases),
        "collisions": sum(int(failing) for _, failing in phases),
        "passed": done.returncode == 0,
        "seconds": seconds,
    }


def report(result: dict) -> list[str]:
    """One line: pairs run, collisions, time."""
    return [
        "## Isolation across estimators",
        "",
        f"{result['pairs_passed']} of {result['pairs_asked']} random pairs of settings fitted "
        "one after the other in one process gave the same network as a fit with an empty "
        f"program cache; {result['collisions']} collided "
        f"({result['seconds']:.0f} s; `{TEST}`).",
        "",
    ]


if __name__ == "__main__":
    section_main(run, report)
