"""Explanations (SPEC.md, "Explanations and corrections"): `watcher classify --explain`
and `watcher show` give, for each label, the phrase of the input that gave it and the
rule family, and asking for them changes no label."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from conftest import SHARED, Cli, Workdir, feed_route, rss, source

from watcher.classify import classify_item
from watcher.classify.explain import RULES
from watcher.cli import main
from watcher.demo.server import LocalServer
from watcher.store.db import open_store
from watcher.store.models import Change

DATA = Path(__file__).resolve().parent / "data"
REAL_DEV = SHARED / "corpus" / "real-dev.jsonl"

# Written for these tests in the style of tests/data/dev.jsonl: an English, a Korean and
# a Chinese release, each with labels of every field (the Chinese one with full-width
# digits, which the classifier reads normalised and the explanation quotes as written).
EN = {"id": "x-en", "title": "Commission opens consultation on draft guidelines for general-purpose AI providers",
      "text": "The European Commission published draft guidelines on the obligations of providers of "
              "general-purpose AI models under the AI Act. Comments can be submitted until 15 September "
              "2026. The  obligations apply from 2 August 2027.",
      "published": "2026-07-01"}
KO = {"id": "x-ko", "title": "개인정보위, 생성형 AI 개인정보 처리 안내서 공개…내년 3월 1일부터 적용",
      "text": "개인정보보호위원회는 생성형 인공지능 개발·활용을 위한 개인정보 처리 안내서를 공개했다고 20일 "
              "밝혔다. 안내서는 내년 3월 1일부터 적용된다.",
      "published": "2026-11-20"}
ZH = {"id": "x-zh", "title": "国家网信办等四部门发布《人工智能生成合成内容标识办法》",
      "text": "国家互联网信息办公室、工业和信息化部、公安部、国家广播电视总局联合发布《人工智能生成合成内容标识办法》，"
              "自２０２６年９月１日起施行。办法要求服务提供者对生成合成内容添加显式标识。",
      "published": "2026-03-14"}


def _labels(out: dict[str, Any]) -> list[tuple[str, Any]]:
    return ([("jurisdictions", j) for j in out["jurisdictions"]] + [("tags", t) for t in out["tags"]]
            + [("dates", d) for d in out["dates"]])


def assert_explained(out: dict[str, Any], explain: list[dict[str, Any]], title: str, text: str) -> None:
    """Each label has exactly one entry, quoting the input, under a known rule; the
    relevance has one; there is nothing else."""
    assert [e for e in explain if e["field"] == "relevant"] == [e for e in explain[:1]]
    assert explain[0]["value"] is out["relevant"] and explain[0]["rule"] in RULES
    rest = explain[1:]
    assert [(e["field"], e["value"]) for e in rest] == _labels(out)
    for e in rest:
        assert set(e) == {"field", "value", "text", "rule"}
        assert e["rule"] in RULES, e
        assert e["text"] and (e["text"] in title or e["text"] in text), e
        assert len(e["text"]) <= 120, e


@pytest.mark.parametrize("item", [EN, KO, ZH], ids=["en", "ko", "zh"])
def test_every_label_of_an_item_is_explained_by_a_phrase_of_it(item: dict[str, str]) -> None:
    plain = classify_item(item["title"], item["text"], published=item["published"])
    explained = classify_item(item["title"], item["text"], published=item["published"], explain=True)
    assert plain.explain is None
    assert explained.as_dict() == plain.as_dict()
    out = plain.as_dict()
    assert out["relevant"] and out["jurisdictions"] and out["tags"] and out["dates"]
    assert explained.explain is not None
    assert_explained(out, explained.explain, item["title"], item["text"])


def test_the_phrases_are_those_that_decided() -> None:
    def why(item: dict[str, str]) -> dict[tuple[str, str], dict[str, Any]]:
        got = classify_item(item["title"], item["text"], published=item["published"], explain=True).explain
        assert got is not None
        return {(e["field"], json.dumps(e["value"], sort_keys=True)): e for e in got}

    en = why(EN)
    assert en[("dates", '{"date": "2026-09-15", "kind": "deadline"}')]["text"] == "until 15 September 2026"
    assert en[("dates", '{"date": "2027-08-02", "kind": "effective"}')]["rule"] == "dates.effective"
    assert en[("tags", '"consultation"')] == {"field": "tags", "value": "consultation", "text": "consultation",
                                             "rule": "tags.consultation"}
    ko = why(KO)
    assert ko[("dates", '{"date": "2027-03-01", "kind": "effective"}')]["text"] == "내년 3월 1일부터"
    assert ko[("jurisdictions", '"KR"')]["text"] == "개인정보위"
    assert ko[("tags", '"guidance"')]["text"] == "안내서"
    zh = why(ZH)
    # Quoted as written: full-width digits, not the normalised ASCII the rules read.
    assert zh[("dates", '{"date": "2026-09-01", "kind": "effective"}')]["text"] == "２０２６年９月１日起施行"
    assert zh[("jurisdictions", '"CN"')] == {"field": "jurisdictions", "value": "CN", "text": "国家网信办",
                                            "rule": "jurisdictions.strong"}


def test_not_relevant_is_explained_by_its_veto_or_missing_cue() -> None:
    veto = classify_item("Microsoft unveils Copilot+ PCs with on-device AI features", "", explain=True)
    assert veto.explain == [{"field": "relevant", "value": False, "text": "unveils Copilot",
                             "rule": "relevance.adoption"}]
    none = classify_item("Bulletin number 4", "Routine notice.", explain=True)
    assert none.explain == [{"field": "relevant", "value": False, "text": "", "rule": "relevance.ai"}]


def test_jurisdictions_from_hint_and_script_are_named_so() -> None:
    hinted = classify_item("Attorney General proposes rules to implement the state's AI act", "",
                           jurisdiction="US-CO", explain=True)
    assert hinted.jurisdictions == ["US-CO"]
    assert [e for e in hinted.explain or [] if e["field"] == "jurisdictions"] == [
        {"field": "jurisdictions", "value": "US-CO", "text": "", "rule": "jurisdictions.hint"}]
    script = classify_item("인공지능 산업 육성 및 신뢰 확보 법안 대표발의", "법안은 고위험 인공지능 사업자에게 의무를 부과한다.",
                           explain=True)
    assert script.jurisdictions == ["KR"]
    (entry,) = [e for e in script.explain or [] if e["field"] == "jurisdictions"]
    assert entry["rule"] == "jurisdictions.script" and entry["text"] == "인공지능"


def _corpora() -> list[Path]:
    return sorted(DATA.glob("*.jsonl")) + ([REAL_DEV] if REAL_DEV.is_file() else [])


@pytest.mark.parametrize("path", _corpora(), ids=lambda p: p.name)
def test_explaining_changes_no_label_on_any_corpus(path: Path) -> None:
    """Every labelled item we hold (and the shared real set, when present): the same
    classification with and without explanations, and every label explained."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        it = json.loads(line)
        args = (it["title"], it.get("text") or "", it.get("jurisdiction"), it.get("published"))
        plain, explained = classify_item(*args), classify_item(*args, explain=True)
        assert explained.as_dict() == plain.as_dict(), it["id"]
        assert explained.explain is not None
        out = plain.as_dict()
        assert [(e["field"], e["value"]) for e in explained.explain[1:]] == _labels(out), it["id"]
        for e in explained.explain:
            assert e["rule"] in RULES, (it["id"], e)
            # A hint names no phrase; every other label quotes the input.
            if e["field"] != "relevant" and e["rule"] != "jurisdictions.hint":
                assert e["text"] and (e["text"] in it["title"] or e["text"] in (it.get("text") or "")), (it["id"], e)


def test_classify_cli_adds_explain_only_when_asked() -> None:
    stdin = "".join(json.dumps(it, ensure_ascii=False) + "\n" for it in (EN, KO, ZH))
    plain = CliRunner().invoke(main, ["classify"], input=stdin)
    explained = CliRunner().invoke(main, ["classify", "--explain"], input=stdin)
    assert plain.exit_code == explained.exit_code == 0, plain.output + explained.output
    plain_lines = [json.loads(line) for line in plain.stdout.splitlines()]
    lines = [json.loads(line) for line in explained.stdout.splitlines()]
    assert all("explain" not in p for p in plain_lines)
    for item, p, e in zip((EN, KO, ZH), plain_lines, lines, strict=True):
        assert {k: v for k, v in e.items() if k != "explain"} == p
        assert_explained(p, e["explain"], item["title"], item["text"])


# -- watcher show --------------------------------------------------------------------------


@pytest.fixture
def shown(server: LocalServer, work: Workdir, cli: Cli) -> dict[str, dict[str, Any]]:
    """The three items polled from a feed on 127.0.0.1: their changes, by item id."""
    entries = [{"guid": it["id"], "title": it["title"], "description": it["text"],
                "link": f"http://127.0.0.1/{it['id']}"} for it in (EN, KO, ZH)]
    server.set("/f.xml", feed_route(rss(entries)))
    work.write_config([source("f", server.url("/f.xml"))])
    run = cli("poll")
    assert run.code == 0, run.err
    return {c["url"].rsplit("/", 1)[1]: c for c in cli.changes()}


def test_show_json_carries_the_explanation_of_every_label(shown: dict[str, dict[str, Any]], cli: Cli) -> None:
    for item in (EN, KO, ZH):
        change = shown[item["id"]]
        assert change["tags"] and change["dates"]
        run = cli("show", str(change["id"]), "--format", "json")
        assert run.code == 0, run.err
        data = run.json()
        assert data["explain_note"] is None
        assert_explained(change, data["explain"], item["title"], item["text"])


def test_show_text_prints_the_phrases_under_the_change(shown: dict[str, dict[str, Any]], cli: Cli) -> None:
    run = cli("show", str(shown["x-ko"]["id"]))
    assert run.code == 0, run.err
    assert "Why (the current rules" in run.out
    assert '2027-03-01 (effective)  "내년 3월 1일부터"  dates.effective' in run.out
    assert '"안내서"  tags.guidance' in run.out


def test_show_notes_stored_labels_the_rules_no_longer_give_and_writes_nothing(
        shown: dict[str, dict[str, Any]], work: Workdir, cli: Cli) -> None:
    change_id = shown["x-en"]["id"]
    with open_store(work.db_url) as store, store.session() as s:
        row = s.get(Change, change_id)
        assert row is not None
        row.tags = ["consultation", "guidance"]  # as older rules might have labelled it
        s.commit()
    before = cli.changes()
    data = cli("show", str(change_id), "--format", "json").json()
    assert data["tags"] == ["consultation", "guidance"]  # shown as stored
    assert [e["value"] for e in data["explain"] if e["field"] == "tags"] == ["consultation", "draft", "enforcement-date"]
    assert "tags stored consultation, guidance, now consultation, draft, enforcement-date" in data["explain_note"]
    assert "Note: The stored labels differ" in cli("show", str(change_id)).out
    assert cli.changes() == before


# -- the phrase as written ------------------------------------------------------------------


@pytest.mark.parametrize("original", [
    "  The   AI\u00a0Act  applies\tfrom\n２０２６年８月２日 ",  # runs of spaces, NBSP, full-width digits
    "Cafe\u0301 re\u0301glement: l\u2019IA ﬁnale",  # combining accents, a ligature NFKC expands
    "（案）第１条　人工知能",  # full-width brackets and space
])
def test_offsets_map_every_normalised_span_back_to_the_original(original: str) -> None:
    from watcher.classify.text import normalise, normalise_offsets

    normalised = normalise(original)
    offsets = normalise_offsets(original)
    assert offsets is not None
    starts, ends = offsets
    assert len(starts) == len(ends) == len(normalised)
    for a in range(len(normalised)):
        for b in range(a + 1, len(normalised) + 1):
            cut = original[starts[a] : ends[b - 1]]
            # Exact, but for a span ending inside what one character expands to ("ﬁ"):
            # then the whole character is quoted.
            assert normalised[a:b].strip() in normalise(cut), (a, b, cut)
            if "ﬁ" not in cut:
                assert normalise(cut) == normalised[a:b].strip(), (a, b, cut)


def test_offsets_give_up_where_normalising_a_cluster_differs_from_the_whole() -> None:
    from watcher.classify.text import normalise_offsets

    # Conjoining jamo compose across clusters: no mapping, the caller keeps the normalised text.
    assert normalise_offsets("\u1100\u1161 인공지능") is None
    got = classify_item("\u1100\u1161 인공지능 기본법 시행령 공포", "", explain=True)
    assert got.explain is not None and got.explain[0]["value"] is True
