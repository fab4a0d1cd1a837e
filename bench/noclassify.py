"""`watcher` with its classifier switched off, for bench/run.py's `watcher-nocls` tool.

Benchmark-only (never shipped): it shows how much of a cycle is the work urlwatch
also does (fetch, parse, diff, store) and how much is classification, which
urlwatch does not do at all. Every item is stored as not relevant. Usage is the
CLI's: ``python bench/noclassify.py --config sources.yaml --db URL poll``.
"""

from __future__ import annotations

import sys

import watcher.poll
from watcher.classify import Classification
from watcher.cli import main


def _unclassified(source, item, fallback_jurisdictions=()):  # noqa: ANN001, ANN202, ARG001
    return Classification(relevant=False)


if __name__ == "__main__":
    watcher.poll.classify_for_source = _unclassified
    sys.exit(main(prog_name="watcher"))
