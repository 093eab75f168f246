"""Cold start of `csm-vs-pm ask`: a new Python process that imports, loads the bundled knowledge
base, builds the matcher, answers one question and exits, as a new user's first command does.

Runs `python -m bot ask QUESTION` in this checkout, and, with `--compare DIR`, in another
checkout too (e.g. a `git worktree` of an older commit), alternating the two so that the shared
machine's noise falls on both alike. Prints the median, min and max wall-clock seconds and the
median CPU seconds of each. Target: < 0.5 s.

    python bench/cold_start.py [--runs 15] [--compare ../old-checkout] [--question "..."]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_SECONDS = 0.5
HERE = Path(__file__).resolve().parent.parent


def one_run(checkout: Path, question: str) -> tuple[float, float]:
    """Wall and CPU seconds of one `python -m bot ask` in `checkout`."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "bot", "ask", question],
        cwd=checkout,
        capture_output=True,
        check=True,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--compare", type=Path, help="another checkout, run alternately")
    parser.add_argument("--question", default="who trains customers")
    args = parser.parse_args()
    checkouts = [HERE] + ([args.compare.resolve()] if args.compare else [])
    for checkout in checkouts:  # compiled bytecode written, files in the page cache
        one_run(checkout, args.question)
    walls: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
    cpus: dict[Path, list[float]] = {checkout: [] for checkout in checkouts}
    for _ in range(args.runs):
        for checkout in checkouts:
            wall, cpu = one_run(checkout, args.question)
            walls[checkout].append(wall)
            cpus[checkout].append(cpu)
    for checkout in checkouts:
        wall = walls[checkout]
        median = statistics.median(wall)
        verdict = "met" if median < TARGET_SECONDS else "MISSED"
        print(
            f"{checkout!s:40} median {median:.3f} s  min {min(wall):.3f}  max {max(wall):.3f}"
            f"  cpu median {statistics.median(cpus[checkout]):.3f} s  ({args.runs} runs;"
            f" target < {TARGET_SECONDS} s: {verdict})"
        )


if __name__ == "__main__":
    main()
