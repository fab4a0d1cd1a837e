"""Where a cold cycle's CPU goes, stage by stage, per entry (not part of the test run).

    python bench/stages.py [--n 1000] [--root DIR] [--out bench/STAGES.md]

A cold cycle of bench/run.py, taken apart: the same N feeds and N listing pages
(bench/gen.py), each stage run on its own over every document, in one process, its
CPU time (`time.process_time`) divided by the number of entries. Sampling profiles
(`run.py --profile-only`) say where a whole cycle spends; this says what each stage
costs, without the noise of a shared machine's wall clock, so a change to one stage
can be measured alone.

1. fetch: `Fetcher.fetch_all` of the 2N URLs from nginx on 127.0.0.1 (as run.py serves them);
2. parse: `SourceType.parse` of each fetched body;
3. classify: `classify_for_source` of each entry (all are new on a first poll);
4. evidence: the zlib-compressed document kept as evidence;
5. store: `poll._handle` of each prepared result into a fresh SQLite store, one
   commit per source, as a cycle stores a first poll.

Beside them, for scale, urlwatch's whole cold cycle on the same URLs (its CPU
divided by the same entry count; it parses none), when its venv is there
(run.py sets it up). Writes the table to `--out` (bench/STAGES.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH))

import gen  # noqa: E402
import run  # noqa: E402

from watcher.config import load_config  # noqa: E402
from watcher.diff import diff_items  # noqa: E402
from watcher.fetch import Fetcher, FetchRequest  # noqa: E402
from watcher.poll import _handle  # noqa: E402
from watcher.prepare import Prepared, classify_for_source  # noqa: E402
from watcher.sources import source_types  # noqa: E402
from watcher.store.db import open_store  # noqa: E402
from watcher.store.writes import load_states  # noqa: E402


def measure(n: int, root: Path, work: Path) -> dict[str, float]:
    """CPU seconds per stage over a cold cycle of N feeds and N pages, and the entry count."""
    if not (root / "pages").exists():
        gen.generate(root, n)
    nginx = run.Nginx(work / "nginx", root).start()
    try:
        config_path = run.WatcherTool(work, nginx.base, n).config
        sources = load_config(config_path).sources
        cpu: dict[str, float] = {}

        started = time.process_time()
        with Fetcher() as fetcher:
            results = list(fetcher.fetch_all(FetchRequest(source_id=s.id, url=s.url, timeout=s.timeout)
                                             for s in sources))
        cpu["fetch"] = time.process_time() - started
        if any(r.error is not None for r in results):
            raise SystemExit(f"fetch failed: {next(r.error for r in results if r.error is not None)}")
        by_id = {s.id: s for s in sources}

        started = time.process_time()
        parsed = [source_types()[by_id[r.source_id].type].parse(by_id[r.source_id], r) for r in results]
        cpu["parse"] = time.process_time() - started

        started = time.process_time()
        changes = [diff_items({}, p.items) for p in parsed]
        cpu["diff"] = time.process_time() - started

        started = time.process_time()
        classifications = [[classify_for_source(by_id[r.source_id], ch.item) for ch in chs]
                           for r, chs in zip(results, changes, strict=True)]
        cpu["classify"] = time.process_time() - started

        started = time.process_time()
        evidence = [p.compressed_evidence() for p in parsed]
        cpu["evidence"] = time.process_time() - started

        store = open_store(f"sqlite:///{work / 'stages.db'}")
        started = time.process_time()
        with store.session() as session:
            states = load_states(session, by_id)
            for r, p, chs, cls, ev in zip(results, parsed, changes, classifications, evidence, strict=True):
                p.evidence_text = ""
                _handle(session, by_id[r.source_id], states[r.source_id], r, datetime.now(UTC), (), Prepared(p, chs, cls, ev))
                session.commit()
        cpu["store"] = time.process_time() - started
        if (run.UW_VENV / "bin" / "urlwatch").exists():
            urlwatch = run.UrlwatchTool(work, nginx.base, n)
            cpu["urlwatch"] = run.measure(urlwatch.command(), work, work / "urlwatch.log", 900)["cpu"]
        cpu["entries"] = sum(len(p.items) for p in parsed)
        cpu["documents"] = len(results)
        cpu["bytes"] = sum(len(r.body or b"") for r in results)
        return cpu
    finally:
        nginx.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=1000, help="N feeds and N pages (default 1,000)")
    parser.add_argument("--root", help="generated documents (reused when present; default a temporary directory)")
    parser.add_argument("--out", default=str(BENCH / "STAGES.md"), help="where the table goes")
    args = parser.parse_args()
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="watcher-stages-") as tmp:
        Path(tmp).chmod(0o755)  # nginx's workers (not root) must reach the files
        root = Path(args.root) if args.root else Path(tmp) / "root"
        cpu = measure(args.n, root, Path(tmp))
    entries = int(cpu.pop("entries"))
    documents, size = int(cpu.pop("documents")), cpu.pop("bytes")
    urlwatch = cpu.pop("urlwatch", None)
    total = sum(cpu.values())
    v = run.versions()
    lines = [
        "# A cold cycle, stage by stage (bench/stages.py)", "",
        f"`python bench/stages.py --n {args.n}`, {started}, git {v['git']}; {v['cores']} cores, {v['cpu']}; "
        f"Python {v['python']}.", "",
        f"{documents:,} documents (N = {args.n:,}: bench/gen.py's feeds and listing pages), {size / 1e6:.1f} MB, "
        f"{entries:,} entries. Each stage over every document in one process; CPU = `time.process_time()`.", "",
        "| stage | CPU s | µs per entry | share |", "| --- | ---: | ---: | ---: |",
        *[f"| {stage} | {seconds:.2f} | {seconds / entries * 1e6:.0f} | {seconds / total:.0%} |"
          for stage, seconds in cpu.items()],
        f"| **all** | **{total:.2f}** | **{total / entries * 1e6:.0f}** | |",
    ]
    if urlwatch is not None:
        lines += [f"| urlwatch {v['urlwatch']}, its whole cold cycle (fetch and store each document) "
                  f"| {urlwatch:.2f} | {urlwatch / entries * 1e6:.0f} | |"]
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
