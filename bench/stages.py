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
5. store: `poll._handle` of each prepared result into a fresh SQLite store, and its
   source's row (`save_states`), one commit per source, as a cycle stores a first poll.

Beside each stage, its floor: the part of it that is already compiled code, timed
alone on the same documents, which no amount of work on watcher's Python removes:
the document parse by lxml (feeds) or lexbor (pages, with the row selection); one
pass of the classifier's automaton (ahocorasick-rs) over each entry's text; SQLite
inserting the same rows (items, changes and their labels, values already in the
driver's types, ids given) into the same schema, one commit per source. The rest of
each stage is Python. And, for scale, urlwatch's whole cold cycle on the same URLs
(its CPU divided by the same entry count; it parses none), when its venv is there
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
from watcher.store.writes import load_states, save_states  # noqa: E402


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
                save_states(session, [states[r.source_id]])
                session.commit()
        cpu["store"] = time.process_time() - started
        for stage, seconds in floor(results, changes, classifications, work).items():
            cpu[f"floor.{stage}"] = seconds
        if (run.UW_VENV / "bin" / "urlwatch").exists():
            urlwatch = run.UrlwatchTool(work, nginx.base, n)
            cpu["urlwatch"] = run.measure(urlwatch.command(), work, work / "urlwatch.log", 900)["cpu"]
        cpu["entries"] = sum(len(p.items) for p in parsed)
        cpu["documents"] = len(results)
        cpu["bytes"] = sum(len(r.body or b"") for r in results)
        return cpu
    finally:
        nginx.stop()


def floor(results: list, changes: list, classifications: list, work: Path) -> dict[str, float]:
    """CPU seconds of the compiled part of parse, classify and store, each alone."""
    import json
    import sqlite3

    from lxml import etree

    from watcher.classify.lexicon import get_lexicon
    from watcher.sources.html import parse_html
    from watcher.sources.page_list import decode_body

    out: dict[str, float] = {}
    xml = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    texts = [decode_body(r.body, r.content_type, None)[0] if r.source_id.startswith("page") else None for r in results]
    started = time.process_time()
    for r, text in zip(results, texts, strict=True):
        if text is None:
            etree.fromstring(r.body, xml)
        else:
            parse_html(text).css("table.board tbody tr")
    out["parse"] = time.process_time() - started

    automaton = get_lexicon().scanner._automaton
    lowered = [f"{ch.item.title}\n{ch.item.text}".lower() for chs in changes for ch in chs]
    started = time.process_time()
    for text in lowered:
        automaton.find_matches_as_indexes(text, overlapping=True)
    out["classify"] = time.process_time() - started

    store = open_store(f"sqlite:///{work / 'floor.db'}")  # watcher's schema, then the driver alone
    store.engine.dispose()
    db = sqlite3.connect(work / "floor.db")
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA synchronous = NORMAL")
    now = "2026-12-05 00:00:00.000000"
    batches, item_id = [], 0
    for r, chs, cls in zip(results, changes, classifications, strict=True):
        items, rows, codes, tags = [], [], [], []
        for item, c in zip((ch.item for ch in chs), cls, strict=True):
            item_id += 1
            published = item.published.strftime("%Y-%m-%d %H:%M:%S.%f") if item.published else None
            items.append((item_id, r.source_id, item.key, item.url, item.title, item.text, "0" * 40, published, now, now))
            rows.append((item_id, item_id, r.source_id, now, "new", item.title, item.url, published,
                            " ".join(item.text.split())[:400], c.relevant, json.dumps(c.jurisdictions),
                            json.dumps(c.tags), json.dumps(c.dates), True))
            codes += [(item_id, code) for code in c.jurisdictions]
            tags += [(item_id, tag) for tag in c.tags]
        batches.append((items, rows, codes, tags))
    started = time.process_time()
    for items, rows, codes, tags in batches:
        db.executemany("INSERT INTO items (id, source_id, key, url, title, text, fingerprint, published, first_seen_at,"
                       " changed_at) VALUES (?,?,?,?,?,?,?,?,?,?)", items)
        db.executemany("INSERT INTO changes (id, item_id, source_id, detected_at, kind, title, url, published, summary,"
                       " relevant, jurisdictions, tags, dates, baseline) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
        db.executemany("INSERT INTO change_jurisdictions (change_id, code) VALUES (?,?)", codes)
        db.executemany("INSERT INTO change_tags (change_id, tag) VALUES (?,?)", tags)
        db.commit()
    out["store"] = time.process_time() - started
    db.close()
    return out


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
    floors = {stage.split(".", 1)[1]: cpu.pop(stage) for stage in list(cpu) if stage.startswith("floor.")}
    total = sum(cpu.values())
    floor_total = sum(floors.get(stage, seconds) for stage, seconds in cpu.items())
    v = run.versions()
    lines = [
        "# A cold cycle, stage by stage (bench/stages.py)", "",
        f"`python bench/stages.py --n {args.n}`, {started}, git {v['git']}; {v['cores']} cores, {v['cpu']}; "
        f"Python {v['python']}.", "",
        f"{documents:,} documents (N = {args.n:,}: bench/gen.py's feeds and listing pages), {size / 1e6:.1f} MB, "
        f"{entries:,} entries. Each stage over every document in one process; CPU = `time.process_time()`.", "",
        "| stage | CPU s | µs per entry | share | its compiled floor, µs per entry |",
        "| --- | ---: | ---: | ---: | ---: |",
        *[f"| {stage} | {seconds:.2f} | {seconds / entries * 1e6:.0f} | {seconds / total:.0%} | "
          f"{floors.get(stage, seconds) / entries * 1e6:.0f} |" for stage, seconds in cpu.items()],
        f"| **all** | **{total:.2f}** | **{total / entries * 1e6:.0f}** | | **{floor_total / entries * 1e6:.0f}** |",
    ]
    if urlwatch is not None:
        lines += [f"| urlwatch {v['urlwatch']}, its whole cold cycle (fetch and store each document) "
                  f"| {urlwatch:.2f} | {urlwatch / entries * 1e6:.0f} | | |"]
    lines += ["", "Floor: the compiled part of the stage alone (parse: lxml or lexbor on the document; classify: "
              "one automaton pass over each entry; store: SQLite inserting the same rows, values ready; fetch, "
              "diff and evidence are counted whole). What lies between a stage and its floor is Python."]
    text = "\n".join(lines) + "\n"
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
