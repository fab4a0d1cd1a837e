"""`watcher` with its classifier switched off, for bench/run.py's `watcher-nocls` tool.

Benchmark-only (never shipped): it shows how much of a cycle is the work urlwatch
also does (fetch, parse, diff, store) and how much is classification, which
urlwatch does not do at all. Every item is stored as not relevant. It runs in one
process (no prepare pool), as urlwatch does. Usage is the
CLI's: ``python bench/noclassify.py --config sources.yaml --db URL poll``.
"""

from __future__ import annotations

import sys

import watcher.poll
import watcher.prepare
from watcher.classify import Classification
from watcher.cli import main


def _unclassified(source, item, fallback_jurisdictions=()):  # noqa: ANN001, ANN202, ARG001
    return Classification(relevant=False)


if __name__ == "__main__":
    watcher.prepare.classify_for_source = _unclassified
    # In one process: the patch above does not reach the workers of a prepare pool.
    watcher.poll.pool_for_cycle = lambda first_polls, workers=None: None
    sys.exit(main(prog_name="watcher"))
