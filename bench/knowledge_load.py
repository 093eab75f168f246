"""Knowledge-base load time: generated knowledge bases of 10,000 and 100,000 entries, as YAML.

The entries are `matcher_latency.generated_knowledge` (the bundled vocabulary plus invented
words), written 1,000 to a file beside the bundled sources.yaml and vocabulary.yaml, then read
back with `read_knowledge`: file discovery, YAML with line numbers, and every validation check
`kb check` runs. Prints the median of several rounds, because the machine is shared and noisy,
in wall-clock seconds and in CPU seconds (what the load costs when it has a core to itself).
Target: 10,000 entries in < 5 s.

    python bench/knowledge_load.py [--entries 10000,100000] [--rounds 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.matcher_latency import generated_knowledge
from bot.knowledge import SOURCES_FILE, VOCABULARY_FILE, Entry, load_knowledge, read_knowledge
from bot.settings import default_knowledge_dir

ENTRIES_PER_FILE = 1_000  # about 1.5 MB a file, well under the 5 MB limit
TARGET_SECONDS = {10_000: 5.0}


def entry_document(entry: Entry) -> dict[str, object]:
    """An entry as a curator would write it in YAML."""
    answer = {"summary": entry.answer.summary, "csm": entry.answer.csm, "pm": entry.answer.pm}
    return {
        "id": entry.id,
        "title": entry.title,
        "questions": list(entry.questions),
        "answer": {side: text for side, text in answer.items() if text},
        "sources": [{"article": ref.article, "section": ref.section} for ref in entry.sources],
        "related": list(entry.related),
    }


def write_knowledge(folder: Path, size: int) -> int:
    """Write a generated knowledge base of `size` entries into `folder`; returns its bytes."""
    bundled = default_knowledge_dir()
    for name in (SOURCES_FILE, VOCABULARY_FILE):
        if (bundled / name).is_file():
            shutil.copy(bundled / name, folder / name)
    entries = generated_knowledge(load_knowledge(bundled), size).entries
    dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
    for start in range(0, size, ENTRIES_PER_FILE):
        document = {
            "entries": [entry_document(e) for e in entries[start : start + ENTRIES_PER_FILE]]
        }
        text = yaml.dump(document, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)
        (folder / f"generated-{start // ENTRIES_PER_FILE:04d}.yaml").write_text(text, "utf-8")
    return sum(path.stat().st_size for path in folder.glob("*.yaml"))


def main() -> None:
    """Generate each size, then time reading it back."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", default="10000,100000", help="comma-separated sizes")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    parser_name = "libyaml" if hasattr(yaml, "CSafeLoader") else "pure-Python PyYAML"
    print(f"YAML parser: {parser_name}")
    for size in (int(text) for text in args.entries.split(",")):
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            started = time.perf_counter()
            total = write_knowledge(folder, size)
            print(
                f"{size:>7,} entries: generated {total / 1e6:.0f} MB in "
                f"{time.perf_counter() - started:.0f} s"
            )
            timings, cpu_timings, problems = [], [], []
            for _ in range(args.rounds):
                started, cpu_started = time.perf_counter(), time.process_time()
                knowledge, problems = read_knowledge(folder, max_file_bytes=10**9)
                timings.append(time.perf_counter() - started)
                cpu_timings.append(time.process_time() - cpu_started)
            median = statistics.median(timings)
            target = TARGET_SECONDS.get(size)
            verdict = (
                f"   target < {target:g} s: {'met' if median < target else 'MISSED'}"
                if target
                else ""
            )
            print(
                f"{size:>7,} entries: loaded {len(knowledge.entries):,} in {median:.2f} s median "
                f"(min {min(timings):.2f}, max {max(timings):.2f}; CPU {statistics.median(cpu_timings):.2f} s;"
                f" {args.rounds} rounds; {len(problems)} problem(s) among the random questions)"
                + verdict
            )


if __name__ == "__main__":
    main()
