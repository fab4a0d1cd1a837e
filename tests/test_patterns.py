"""The compiled-pattern cache (watcher/classify/patterns.py): a lexicon loaded from the
cache is the one a load without it makes (patterns as `re.compile` gives them, the same
scanner), and anything wrong with the cache falls back to computing afresh."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from watcher.classify import lexicon as lexicon_module
from watcher.classify import patterns as patterns_module
from watcher.classify.lexicon import LEXICON_DIR, Lexicon, load_lexicon
from watcher.classify.patterns import PatternCache


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("WATCHER_CACHE_DIR", str(directory))
    return directory


def _patterns_of(lexicon: Lexicon) -> list[re.Pattern[str]]:
    """Every compiled pattern the lexicon holds, anywhere in its fields."""
    found: list[re.Pattern[str]] = []

    def walk(value: object) -> None:
        if isinstance(value, re.Pattern):
            found.append(value)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list | tuple):
            for v in value:
                walk(v)
        elif hasattr(value, "__slots__") and not isinstance(value, str):
            for name in value.__slots__:
                walk(getattr(value, name, None))

    for name in Lexicon.__slots__:
        walk(getattr(lexicon, name))
    walk(lexicon.scanner.families)
    return found


def _compiled_through(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int, re.Pattern[str], bool]]:
    """Records (pattern, flags, result, whether it came from the cache file) of every PatternCache.compile."""
    calls: list[tuple[str, int, re.Pattern[str], bool]] = []
    original = PatternCache.compile

    def compile_and_record(self: PatternCache, pattern: str, flags: int = 0) -> re.Pattern[str]:
        cached = f"{int(flags)}:{pattern}" in self._entries
        result = original(self, pattern, flags)
        calls.append((pattern, int(flags), result, cached))
        return result

    monkeypatch.setattr(PatternCache, "compile", compile_and_record)
    return calls


def test_a_lexicon_from_the_cache_is_the_one_re_compile_makes(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _compiled_through(monkeypatch)
    first = load_lexicon()
    [kept] = cache_dir.glob("regex-*.json")
    assert kept.stat().st_mode & 0o777 == 0o600
    assert calls and not any(cached for *_, cached in calls)
    written = kept.stat().st_mtime_ns

    calls.clear()
    second = load_lexicon()
    assert calls and all(cached for *_, cached in calls)  # every pattern from the file
    assert kept.stat().st_mtime_ns == written  # nothing missing: not written again
    for pattern, flags, compiled, _ in calls:
        # Pattern equality is the engine's: same pattern, flags and compiled code.
        assert compiled == re.compile(pattern, flags), pattern[:80]
        assert (compiled.groups, compiled.groupindex) == (re.compile(pattern, flags).groups,
                                                          re.compile(pattern, flags).groupindex)
    assert _patterns_of(first) == _patterns_of(second)
    assert len(_patterns_of(second)) > 50


def test_a_changed_lexicon_gets_its_own_cache_file(cache_dir: Path, tmp_path: Path) -> None:
    lexicons = tmp_path / "lexicons"
    lexicons.mkdir()
    for path in LEXICON_DIR.glob("*.yaml"):
        (lexicons / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    load_lexicon(lexicons)
    (lexicons / "zz.yaml").write_text("relevance:\n  ai: ['\\bzorblax\\b']\n", encoding="utf-8")
    lexicon = load_lexicon(lexicons)
    assert lexicon.ai.search("the zorblax model")
    assert len(list(cache_dir.glob("regex-*.json"))) == 2


DATA = Path(__file__).parent / "data"


def _scans(lexicon: Lexicon) -> list[Any]:
    """What the lexicon's scanner finds in every labelled text: where each family can match."""
    texts = [json.loads(line) for line in (DATA / "labelled.jsonl").read_text(encoding="utf-8").splitlines() if line]
    return [lexicon.scanner.scan(f"{t.get('title', '')}\n{t.get('text', '') or t.get('summary', '')}")._starts
            for t in texts]


def test_a_lexicon_from_the_cache_scans_as_one_made_without_it(cache_dir: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    load_lexicon()  # fills the cache
    from_cache = load_lexicon()
    monkeypatch.setenv("WATCHER_CACHE_DIR", "")
    fresh = load_lexicon()
    assert {n: f.anchored for n, f in from_cache.scanner.families.items()} == \
        {n: f.anchored for n, f in fresh.scanner.families.items()}
    assert from_cache.scanner._slots == fresh.scanner._slots
    assert _patterns_of(from_cache) == _patterns_of(fresh)
    scans = _scans(from_cache)
    assert scans == _scans(fresh)
    assert sum(1 for starts in scans if starts and any(starts)) > 100  # the texts do hit cues


@pytest.mark.parametrize("damage", ["code", "types", "derived", "not-json", "shared-writable"])
def test_a_damaged_cache_falls_back_to_re_compile(cache_dir: Path, monkeypatch: pytest.MonkeyPatch, damage: str) -> None:
    fresh_scans = _scans(load_lexicon())
    [kept] = cache_dir.glob("regex-*.json")
    data = json.loads(kept.read_text(encoding="utf-8"))
    entries = data["regex"]
    if damage == "code":  # code the engine's validator refuses
        data["regex"] = {key: [e[0], [9999, *e[1][1:]], *e[2:]] for key, e in entries.items()}
        kept.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "types":
        data["regex"] = {key: ["x", "y"] for key in entries}
        kept.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "derived":  # unions and prefix lists of the wrong shape
        data["derived"] = {key: ([] if key.startswith("prefixes") else ["x"]) for key in data["derived"]}
        kept.write_text(json.dumps(data), encoding="utf-8")
    elif damage == "not-json":
        kept.write_text("\x00not json", encoding="utf-8")
    else:  # a file another user could have written is not believed
        kept.chmod(0o666)
    calls = _compiled_through(monkeypatch)
    lexicon = load_lexicon()
    assert calls
    for pattern, flags, compiled, _ in calls:
        assert compiled == re.compile(pattern, flags)
    assert _scans(lexicon) == fresh_scans
    if damage != "shared-writable":
        # Rewritten whole and right: the next load takes everything from it.
        calls.clear()
        load_lexicon()
        assert all(cached for *_, cached in calls)


def test_a_bad_pattern_still_raises_and_names_its_cue(cache_dir: Path, tmp_path: Path) -> None:
    (tmp_path / "xx.yaml").write_text("relevance:\n  ai: ['(unclosed']\n", encoding="utf-8")
    with pytest.raises(lexicon_module.LexiconError, match=r"relevance\.ai: bad pattern '\(unclosed'"):
        load_lexicon(tmp_path)


def test_without_the_interpreter_internals_it_is_re_compile(cache_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def moved(pattern: str, flags: int) -> tuple[re.Pattern[str], list]:
        raise AttributeError("module 're._compiler' has no attribute '_code'")

    monkeypatch.setattr(patterns_module, "_compile", moved)
    cache = PatternCache.for_inputs("some lexicon")
    assert cache.compile(r"\bAI\b|인공지능", re.IGNORECASE) == re.compile(r"\bAI\b|인공지능", re.IGNORECASE)
    assert cache.path is None  # stops trying
    cache.save()
    assert not cache_dir.exists()


def test_no_cache_directory_means_plain_compiles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WATCHER_CACHE_DIR", "")
    cache = PatternCache.for_inputs("some lexicon")
    assert cache.path is None
    assert cache.compile("a|b", 0) == re.compile("a|b")


def test_an_edited_loader_never_meets_what_the_old_one_derived(cache_dir: Path, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from watcher.classify import anchors

    texts = {path.name: path.read_text(encoding="utf-8") for path in LEXICON_DIR.glob("*.yaml")}
    before = lexicon_module._cache_for(texts).path
    edited = tmp_path / "anchors.py"
    edited.write_text(Path(anchors.__file__).read_text(encoding="utf-8") + "\n# PREFIX_LEN changed\n", encoding="utf-8")
    monkeypatch.setattr(anchors, "__file__", str(edited))
    after = lexicon_module._cache_for(texts).path
    assert before is not None and after is not None and before != after
    monkeypatch.setattr(anchors, "__file__", str(tmp_path / "gone.py"))  # no source to read: no cache
    assert lexicon_module._cache_for(texts).path is None
