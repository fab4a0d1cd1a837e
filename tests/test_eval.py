"""The scorer (watcher.eval) and the quality floor of the classifier.

The floor is the target of issue 3, held on the shared dev set, on our own
labelled file, on the independent analyst's held-out file and on the second
analyst's final file (measured once unseen at tags 0.886; held at the targets only
after general fixes, not tuned to its wording).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from watcher.eval import PRF, main, score_file, score_items

DATA = Path(__file__).parent / "data"
MAIN_LANGUAGES = ("en", "ko", "ja", "zh")


@pytest.mark.parametrize("name", ["dev.jsonl", "labelled.jsonl", "heldout.jsonl", "final.jsonl"])
def test_quality_floor(name: str) -> None:
    rep = score_file(DATA / name)
    assert rep.items >= 80
    assert rep.tags.f1 >= 0.90, rep.tags.as_dict()
    assert rep.jurisdictions.f1 >= 0.92, rep.jurisdictions.as_dict()
    assert rep.relevance_accuracy >= 0.95
    assert rep.effective.recall >= 0.85
    for lang in MAIN_LANGUAGES:
        assert rep.per_lang_tags[lang].f1 >= 0.80, (lang, rep.per_lang_tags[lang].as_dict())


@pytest.mark.parametrize("name", ["dev.jsonl", "labelled.jsonl", "heldout.jsonl"])
def test_raised_floor(name: str) -> None:
    # Raised after the held-out analysis (issue 3's targets stay the hard floor above).
    rep = score_file(DATA / name)
    assert rep.tags.f1 >= 0.95, rep.tags.as_dict()
    assert rep.jurisdictions.f1 >= 0.95, rep.jurisdictions.as_dict()
    assert rep.relevance_accuracy >= 0.97
    assert rep.effective.recall >= 0.95
    assert rep.deadline.recall >= 0.95
    for lang in MAIN_LANGUAGES:
        assert rep.per_lang_tags[lang].f1 >= 0.90, (lang, rep.per_lang_tags[lang].as_dict())


def test_labelled_file_is_big_enough_and_well_formed() -> None:
    items = [json.loads(line) for line in (DATA / "labelled.jsonl").read_text(encoding="utf-8").splitlines()]
    assert len(items) >= 100
    assert len({i["id"] for i in items}) == len(items)
    for lang in MAIN_LANGUAGES:
        assert sum(i["lang"] == lang for i in items) >= 20
    for i in items:
        e = i["expect"]
        assert set(e) == {"relevant", "jurisdictions", "tags", "dates"}
        if not e["relevant"]:
            assert e["jurisdictions"] == e["tags"] == e["dates"] == []


def _item(iid: str, title: str, expect: dict, **extra: str) -> dict:
    return {"id": iid, "title": title, "text": "", "lang": "en", "expect": expect, **extra}


def test_scores_and_errors_on_known_items() -> None:
    items = [
        _item("a", "Nvidia unveils new AI chip", {"relevant": False, "jurisdictions": [], "tags": [], "dates": []}),
        # Wrongly labelled on purpose: the scorer must report each field that differs.
        _item(
            "b",
            "Utah enacts AI law, effective 1 May 2024",
            {"relevant": True, "jurisdictions": ["US-CO"], "tags": ["new-law"], "dates": [{"date": "2024-06-01", "kind": "effective"}]},
        ),
    ]
    rep = score_items(items)
    assert rep.items == 2
    assert rep.relevance_accuracy == 1.0
    assert rep.jurisdictions.tp == 0 and rep.jurisdictions.fp == 1 and rep.jurisdictions.fn == 1
    assert rep.per_tag["new-law"].tp == 1
    assert rep.per_tag["enforcement-date"].fp == 1
    assert rep.effective.recall == 0.0
    fields = {(i, f) for i, f, _, _ in rep.errors}
    assert fields == {("b", "jurisdictions"), ("b", "tags"), ("b", "dates")}


def test_hints_are_passed_to_the_classifier() -> None:
    item = _item(
        "h",
        "Regulator adopts rules on AI disclosures, which apply from March next year",
        {"relevant": True, "jurisdictions": ["US-UT"], "tags": ["enforcement-date", "new-decree"],
         "dates": [{"date": "2026-03", "kind": "effective"}]},
        jurisdiction="US-UT",
        published="2025-10-15",
    )
    rep = score_items([item])
    assert rep.errors == []


def test_prf_edge_cases() -> None:
    empty = PRF()
    assert empty.f1 == empty.precision == empty.recall == 1.0
    p = PRF()
    p.add({"a", "b"}, {"b", "c"})
    assert (p.tp, p.fp, p.fn) == (1, 1, 1)
    assert p.f1 == pytest.approx(0.5)


def test_main_prints_summary_and_misclassified(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    f = tmp_path / "x.jsonl"
    f.write_text(
        json.dumps(_item("z1", "Nvidia unveils new AI chip", {"relevant": True, "jurisdictions": ["US"], "tags": [], "dates": []}))
        + "\n",
        encoding="utf-8",
    )
    assert main([str(f)]) == 0
    out = capsys.readouterr().out
    for needle in ("relevance accuracy", "jurisdictions (micro)", "tags (micro)", "effective-date recall",
                   "deadline recall", "tags F1 per language", "misclassified (2)", "z1"):
        assert needle in out
    assert main([str(f), "--json", "--no-errors"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert d["relevance_accuracy"] == 0.0 and "errors" not in d


def test_main_bad_file_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = tmp_path / "bad.jsonl"
    f.write_text("{not json\n", encoding="utf-8")
    assert main([str(f)]) == 2
    assert "bad.jsonl:1" in capsys.readouterr().err
    assert main([str(tmp_path / "missing.jsonl")]) == 2
