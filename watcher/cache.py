"""The cache directory: what watcher keeps to skip work it can always redo.

Two kinds of file live there, each named by a digest of everything it was made
from, so a changed input never meets a stale entry: a long configuration's parsed
YAML (`watcher.config`) and the lexicons' compiled regexes
(`watcher.classify.patterns`). Losing the directory costs one slower run, nothing
else. A file is believed only when this user wrote it and nobody else may change
it (not a symlink, not group- or world-writable); anything else is ignored and
made again. Entries are JSON: data, never code.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

KEEP = 8  # files of one kind kept (the newest): a few configurations, a few interpreters


def cache_dir(env: Mapping[str, str] | None = None) -> Path | None:
    """Where watcher may keep what it can recompute: $WATCHER_CACHE_DIR, else systemd's
    $CACHE_DIRECTORY (`CacheDirectory=`), else $XDG_CACHE_HOME/watcher or ~/.cache/watcher.
    An empty $WATCHER_CACHE_DIR turns caching off (None)."""
    env = os.environ if env is None else env
    if "WATCHER_CACHE_DIR" in env:
        return Path(env["WATCHER_CACHE_DIR"]) if env["WATCHER_CACHE_DIR"] else None
    if env.get("CACHE_DIRECTORY"):
        return Path(env["CACHE_DIRECTORY"].split(":")[0])
    base = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "watcher"


def cache_path(kind: str, *made_from: str) -> Path | None:
    """The file of `kind` made from the strings `made_from` (`<kind>-<sha256>.json`), or
    None when caching is off or this system has no file owners to check."""
    directory = cache_dir()
    if directory is None or not hasattr(os, "getuid"):
        return None
    import hashlib

    digest = hashlib.sha256()
    for part in made_from:
        digest.update(part.encode("utf-8", "surrogatepass"))
        digest.update(b"\0")
    return directory / f"{kind}-{digest.hexdigest()[:40]}.json"


def read_json(path: Path) -> Any:
    """What `path` holds, or None: not cached yet, unreadable, corrupt, or not a file
    this user wrote that nobody else may change (then it is not believed)."""
    import json

    try:
        with os.fdopen(os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)), "rb") as fh:
            info = os.fstat(fh.fileno())
            if info.st_uid == os.getuid() and not info.st_mode & 0o022:
                return json.loads(fh.read())
    except (OSError, ValueError):
        pass
    return None


def write_json(path: Path, data: Any) -> None:
    """Keep `data` in `path` (atomically, readable by this user only) and the newest
    KEEP files of its kind; a cache that cannot be written is skipped, silently."""
    import json

    kind = path.name.rsplit("-", 1)[0]
    with contextlib.suppress(OSError):
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}")
        with os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w", encoding="utf-8") as fh:
            json.dump(data, fh, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
        entries = sorted(path.parent.glob(f"{kind}-*.json"), key=lambda p: p.stat().st_mtime, reverse=True)
        for stale in entries[KEEP:]:
            stale.unlink()
