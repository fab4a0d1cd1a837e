"""The `watcher` command: a thin shell over the pipeline's stages.

One module per command group; each registers its commands on `main` (`app.py`)
when imported here. Every command has help with an example and a machine-readable
output format. Heavy modules (SQLAlchemy, httpx, feedparser, rich) are imported
inside the commands that need them, so `watcher --help` starts fast.
"""

from watcher.cli import check, corrections, db, polling, publishing, query, service  # noqa: F401 (they register commands)
from watcher.cli.app import EXIT_FAILURES, Settings, main, run_cli

__all__ = ["EXIT_FAILURES", "Settings", "main", "run_cli"]
