"""`watcher demo`, and the per-file expectations of watcher/demo/README.md."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest
from conftest import Cli, closed_port
from sqlalchemy import select

from watcher.demo import demo_config, serve_round
from watcher.demo.server import LocalServer
from watcher.poll import poll_sources
from watcher.store.db import open_store
from watcher.store.models import Change, Item

NEW = {
    "demo-eu-ai-office": {"eu-dsf-2026-1201"},
    "demo-kr-msit": {"msit-press-3186622", "msit-press-3186598"},
    "demo-jp-cabinet": {"https://www8.cao.go.jp/cstp/ai/ai_plan/chotatsu_enki_20261126.html"},
    "demo-us-federal-register": {"https://www.federalregister.gov/d/2026-22419"},
}
UPDATED = {"demo-eu-ai-office": {"eu-dsf-2026-1187"}, "demo-tw-nstc": {"nstc-news-20261119-01"}}
DROPPED = {"demo-jp-cabinet": "https://www8.cao.go.jp/cstp/ai/ai_act/shishin_20260930.html",
           "demo-us-co-legislature": "cga-news-20250828"}
ROUND1 = {"demo-eu-ai-office": 7, "demo-kr-msit": 6, "demo-jp-cabinet": 6, "demo-tw-nstc": 6, "demo-cn-cac": 6,
          "demo-us-federal-register": 6, "demo-us-co-legislature": 6}
NON_AI = {"eu-dsf-2026-1139", "eu-dsf-2026-0944", "msit-press-3186477", "msit-press-3186342",
          "https://www.cao.go.jp/notice/nenmatsu2026.html", "nstc-news-20261105-01", "nstc-news-20261001-01",
          "https://www.cac.gov.cn/2026-09/15/c_1757905374624018.htm", "https://www.federalregister.gov/d/2026-20874",
          "cga-news-20261102", "cga-news-20260908"}


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory):
    """Both demo rounds polled in-process against the demo's own server and config."""
    db = tmp_path_factory.mktemp("demo") / "demo.db"
    with LocalServer() as server:
        config = demo_config(server.base_url)
        with open_store(f"sqlite:///{db}") as store:
            serve_round(server, "round1")
            first = poll_sources(list(config.sources), store)
            n1 = len(server.requests)
            serve_round(server, "round2")
            second = poll_sources(list(config.sources), store)
            requests2 = server.requests[n1:]
            with store.session() as s:
                rows = s.execute(select(Change, Item.key).join(Item, Item.id == Change.item_id)).all()
                changes = [(c.source_id, c.kind, c.baseline, c.relevant, c.title, c.jurisdictions, key) for c, key in rows]
    return first, second, requests2, changes


def test_round1_is_a_baseline_of_every_item(demo_run) -> None:
    first, _, _, changes = demo_run
    assert {o.source_id: o.status for o in first.outcomes} == {sid: "baseline" for sid in ROUND1}
    assert {o.source_id: o.items for o in first.outcomes} == ROUND1
    baseline = [c for c in changes if c[2]]
    assert len(baseline) == 43
    assert Counter(c[0] for c in baseline) == ROUND1
    assert all(c[1] == "new" for c in baseline)


def test_round2_new_updated_dropped_and_304(demo_run) -> None:
    _, second, requests2, changes = demo_run
    fresh = [c for c in changes if not c[2]]
    new, updated = defaultdict(set), defaultdict(set)
    for sid, kind, _, _, _, _, key in fresh:
        (new if kind == "new" else updated)[sid].add(key)
    assert dict(new) == NEW
    assert dict(updated) == UPDATED
    assert len(fresh) == 7
    assert all(c[3] for c in fresh), "README: all round-2 changes are relevant to AI"
    for sid, key in DROPPED.items():
        assert not any(c[0] == sid and c[6] == key and not c[2] for c in changes)
    status = {o.source_id: o.status for o in second.outcomes}
    assert status["demo-cn-cac"] == "not-modified"
    assert status["demo-us-co-legislature"] == "unchanged"
    assert {sid for sid, st in status.items() if st == "changed"} == set(NEW) | set(UPDATED)
    cn = [r for r in requests2 if r.path == "/cn-cac.atom"]
    assert [r.status for r in cn] == [304] and "If-None-Match" in cn[0].headers
    assert all(r.status == 200 for r in requests2 if r.path != "/cn-cac.atom")


def test_encodings_read_right(demo_run) -> None:
    *_, changes = demo_run
    kr = [c[4] for c in changes if c[0] == "demo-kr-msit"]
    tw = [c[4] for c in changes if c[0] == "demo-tw-nstc"]
    assert all("\ufffd" not in t for t in kr + tw)
    assert sum("인공지능" in t for t in kr) >= 3
    assert sum("人工智慧" in t for t in tw) >= 3
    assert {tuple(c[5]) for c in changes if c[0] == "demo-us-co-legislature"} >= {("US-CO",)}


def test_non_ai_items_are_stored_but_hidden(demo_run) -> None:
    *_, changes = demo_run
    assert {c[6] for c in changes if not c[3]} == NON_AI


def test_demo_command_offline(tmp_path: Path) -> None:
    """The real console script, with every proxy variable pointing at a dead port: the
    demo needs nothing but 127.0.0.1."""
    dead = f"http://127.0.0.1:{closed_port()}"
    env = {name: dead for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy")}
    env.update({"NO_PROXY": "", "no_proxy": "", "COLUMNS": "200"})
    keep = tmp_path / "demo-store"
    started = time.monotonic()
    run = Cli(None).subprocess("demo", "--keep", str(keep), env=env, cwd=tmp_path, defaults=False)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    assert run.code == 0, run.err
    assert elapsed < 10
    assert "1st poll: baseline of 7 sources, 43 items stored" in run.out
    assert "2nd poll: 5 new, 2 updated" in run.out
    assert "1 answered 304" in run.out
    assert "7 changes" in run.out
    assert not (tmp_path / "state").exists()
    # The kept store answers queries through the CLI.
    cli = Cli(None)  # type: ignore[arg-type]
    got = cli.subprocess("--db", str(keep / "watcher.db"), "changes", "--jurisdiction", "KR", "--since", "30d",
                         "--format", "json", cwd=tmp_path, defaults=False)
    assert got.code == 0, got.err
    kr = json.loads(got.out)
    assert {c["source"] for c in kr} == {"demo-kr-msit"}
    assert sum(not c["baseline"] for c in kr) == 2
    for c in kr:
        if not c["baseline"]:
            shown = cli.subprocess("--db", str(keep / "watcher.db"), "show", str(c["id"]), cwd=tmp_path, defaults=False)
            assert shown.code == 0 and c["title"] in shown.out
