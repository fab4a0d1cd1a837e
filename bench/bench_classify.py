"""Benchmark of `classify_item`: items per second on one core.

Usage: ``python bench/bench_classify.py [N]`` (default 10,000 items, cycled from the
labelled files in tests/data). Not part of the test run: timing tests are flaky. Prints wall-clock and CPU time
(`time.process_time()`, the figure to compare on a loaded machine).
The lexicon is loaded before the clock starts, as it is once per process.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from watcher.classify import classify_item
from watcher.classify.lexicon import get_lexicon

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    n = int(args[0]) if args else 10_000
    items = []
    for name in ("dev.jsonl", "labelled.jsonl"):
        with open(DATA / name, encoding="utf-8") as fh:
            items += [json.loads(line) for line in fh if line.strip()]
    get_lexicon()
    start, cpu_start = time.perf_counter(), time.process_time()
    for i in range(n):
        it = items[i % len(items)]
        classify_item(it["title"], it["text"], it.get("jurisdiction"), it.get("published"))
    elapsed = time.perf_counter() - start
    cpu = time.process_time() - cpu_start
    print(f"{n} items in {elapsed:.2f} s: {n / elapsed:,.0f} items/s ({1000 * elapsed / n:.3f} ms/item)")
    # CPU time is what one core spends, whatever else loads the machine.
    print(f"CPU time {cpu:.2f} s ({1000 * cpu / n:.3f} ms/item)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
