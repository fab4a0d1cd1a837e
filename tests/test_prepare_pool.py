"""Parse, diff and classify in worker processes (`watcher.prepare`): the same stored
result as in one process, used when it should be, and a broken pool costs nothing."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest
from conftest import Workdir, feed_route, rss, source

from watcher import poll as poll_module
from watcher import prepare as prepare_module
from watcher.config import load_config
from watcher.demo.server import LocalServer, Route
from watcher.fetch import Fetcher
from watcher.poll import poll_sources
from watcher.prepare import POOL_MIN_FIRST_POLLS, PreparePool, pool_for_cycle
from watcher.store.db import open_store
from watcher.store.models import Change, Evidence, SourceState

DEV = Path(__file__).parent / "data" / "dev.jsonl"
FEEDS = 10


def dev_feed(k: int) -> bytes:
    """Feed k: eight labelled items of tests/data/dev.jsonl (relevant or not, in several
    languages), so that classification has something to say about each."""
    rows = [json.loads(line) for line in DEV.read_text(encoding="utf-8").splitlines() if line.strip()]
    chosen = rows[k * 8 % len(rows):][:8]
    return rss([{"guid": f"{k}-{r['id']}", "title": r["title"], "description": r["text"],
                 "link": f"http://127.0.0.1/{k}/{r['id']}"} for r in chosen])


def serve_sources(server: LocalServer, work: Workdir) -> None:
    sources = []
    for k in range(FEEDS):
        server.set(f"/f{k}.xml", feed_route(dev_feed(k)))
        sources.append(source(f"f{k}", server.url(f"/f{k}.xml"), "INTL", relevance="ai"))
    # A body no parser takes (an error in the worker, not a crash) and a plain 404.
    server.set("/garbage.xml", Route(b"\x00\x01 not a feed at all", "application/rss+xml"))
    sources += [source("garbage", server.url("/garbage.xml")), source("missing", server.url("/missing.xml"))]
    work.write_config(sources)


def cycle(work: Workdir, db_url: str, **kw) -> dict:
    """Poll every configured source once into `db_url`; what was stored, by source and item."""
    config = load_config(work.config)
    with open_store(db_url) as store, Fetcher() as fetcher:
        report = poll_sources(list(config.sources), store, fetcher=fetcher, **kw)
        with store.session() as s:
            changes = {(c.source_id, c.url): (c.kind, c.title, c.summary, c.relevant, c.jurisdictions, c.tags,
                                              c.dates, c.baseline, c.evidence_id is not None)
                       for c in s.query(Change)}
            health = {st.id: (st.last_error, st.item_count, st.baseline_at is not None) for st in s.query(SourceState)}
            evidence = sorted((e.source_id, e.text_size, len(e.text_zlib or b"")) for e in s.query(Evidence))
    statuses = {o.source_id: o.status for o in report.outcomes}
    return {"changes": changes, "health": health, "evidence": evidence, "statuses": statuses}


def test_pool_stores_what_one_process_stores(server: LocalServer, work: Workdir, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    serve_sources(server, work)
    alone = cycle(work, f"sqlite:///{tmp_path / 'alone.db'}", workers=0)

    # Prepared in this process, a body would go through watcher.poll.prepare: count those.
    in_process: list[str] = []
    real_prepare = poll_module.prepare

    def counting(source, result, stored):  # noqa: ANN001, ANN202
        in_process.append(source.id)
        return real_prepare(source, result, stored)

    monkeypatch.setattr(poll_module, "prepare", counting)
    pooled = cycle(work, f"sqlite:///{tmp_path / 'pooled.db'}", workers=2)

    # Bodies went to the workers (the polling process prepares only those that find
    # them busy): eleven bodies to prepare, ten feeds and the garbage.
    assert len(in_process) < FEEDS + 1
    assert pooled == alone
    assert len(alone["changes"]) == FEEDS * 8
    assert any(v[3] for v in alone["changes"].values()) and not all(v[3] for v in alone["changes"].values())
    assert any(v[5] for v in alone["changes"].values())  # tags found, in the workers too
    assert alone["statuses"]["garbage"] == "error" and alone["statuses"]["missing"] == "error"
    assert alone["health"]["garbage"][0]  # the parse error reached the source's health
    assert {alone["statuses"][f"f{k}"] for k in range(FEEDS)} == {"baseline"}


class DyingPool(PreparePool):
    """A pool whose workers are killed (as by the OOM killer) after a few bodies."""

    submitted = 0

    def submit(self, source, result, stored):  # noqa: ANN001, ANN201
        DyingPool.submitted += 1
        if DyingPool.submitted == 4:
            for pid in self.pids():  # the test plays the OOM killer
                os.kill(pid, signal.SIGKILL)
        return super().submit(source, result, stored)


def test_dead_workers_cost_nothing(server: LocalServer, work: Workdir, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    serve_sources(server, work)
    alone = cycle(work, f"sqlite:///{tmp_path / 'alone.db'}", workers=0)
    DyingPool.submitted = 0
    monkeypatch.setattr(poll_module, "pool_for_cycle", lambda first_polls, workers=None: DyingPool(2))
    with caplog.at_level("WARNING", logger="watcher.prepare"):
        broken = cycle(work, f"sqlite:///{tmp_path / 'broken.db'}")
    assert DyingPool.submitted >= 4
    assert any(getattr(r, "event", None) == "prepare.worker_died" for r in caplog.records)
    # Bodies in flight when the workers died were prepared again, in fresh workers.
    assert broken == alone


def test_second_cycle_diffs_against_the_store_in_workers(server: LocalServer, work: Workdir, tmp_path: Path) -> None:
    serve_sources(server, work)
    url = f"sqlite:///{tmp_path / 'store.db'}"
    cycle(work, url, workers=2)
    server.set("/f0.xml", feed_route(dev_feed(1)))  # f0 now carries f1's items: 8 new, none gone
    again = cycle(work, url, workers=2)
    assert again["statuses"]["f0"] == "changed"
    assert again["statuses"]["f1"] in ("unchanged", "not-modified")
    new = [k for k, v in again["changes"].items() if k[0] == "f0" and not v[7]]
    assert len(new) == 8


def test_when_a_pool_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("WATCHER_WORKERS", raising=False)
    monkeypatch.setattr(prepare_module, "usable_cores", lambda: 2)
    pool = pool_for_cycle(POOL_MIN_FIRST_POLLS - 1)
    assert pool is not None and pool.workers == 1  # a few first polls: one worker, the budget's backstop
    assert pool.pids() == []  # started with the first body only: a cycle without news starts none
    pool.close()
    pool = pool_for_cycle(POOL_MIN_FIRST_POLLS)
    assert pool is not None and pool.workers == 2  # one per core; the polling process fetches and stores
    pool.close()
    monkeypatch.setattr(prepare_module, "usable_cores", lambda: 1)
    pool = pool_for_cycle(10_000)
    assert pool is not None and pool.workers == 1  # one core: still a worker, for the limits
    pool.close()
    monkeypatch.setenv("WATCHER_WORKERS", "0")
    monkeypatch.setattr(prepare_module, "usable_cores", lambda: 8)
    assert pool_for_cycle(10_000) is None  # in this process, without the limits
    assert pool_for_cycle(1) is None
    monkeypatch.setenv("WATCHER_WORKERS", "3")
    pool = pool_for_cycle(POOL_MIN_FIRST_POLLS)
    assert pool is not None and pool.workers == 3
    pool.close()
    pool = pool_for_cycle(POOL_MIN_FIRST_POLLS - 1)
    assert pool is not None and pool.workers == 1  # the setting sizes a cold cycle's pool


def test_ctrl_c_during_a_pooled_first_poll(server: LocalServer, work: Workdir) -> None:
    """Ctrl-C reaches the whole process group: the poll stops at once with its one-line
    message and exit code 130; no worker prints a traceback, no process stays behind."""
    import subprocess
    import sys
    import time

    big = rss([{"guid": f"g{i}", "title": f"AI Act implementing rules, part {i}",
                "description": "The Commission published draft guidelines on general-purpose AI models. " * 40}
               for i in range(150)])
    sources = []
    for k in range(POOL_MIN_FIRST_POLLS + 8):
        server.set(f"/big{k}.xml", feed_route(big))
        sources.append(source(f"big{k}", server.url(f"/big{k}.xml"), "EU"))
    work.write_config(sources)
    proc = subprocess.Popen([sys.executable, "-m", "watcher", "--config", str(work.config), "--db", work.db_url, "poll"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
                            env={**os.environ, "WATCHER_WORKERS": "2"},
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(3)
    assert proc.poll() is None, "the cycle should still be running"
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130
    assert b"Traceback" not in err and b"KeyboardInterrupt" not in err
    assert b"interrupted" in err
    # The whole group goes: workers and resource tracker leave once the
    # polling process has closed their pipes.
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        left = subprocess.run(["ps", "-o", "pid,args", "-g", str(proc.pid)], capture_output=True, text=True).stdout
        pytest.fail(f"processes left behind:\n{left}")
