"""Configuration fuzzing (issue 7): random mutations of a valid sources.yaml never make
`watcher check-config` raise. It exits 0, or exits 2 with a precise message on stderr
that names the file. Mutations are structural (keys deleted, renamed or added; values
replaced by other types, random text, huge or odd numbers, None, lists, deep nesting)
and textual (YAML syntax damaged by inserting, deleting or replacing characters)."""

from __future__ import annotations

import os
import string
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from watcher.cli import main as cli_main

VALID: dict[str, Any] = {
    "defaults": {"interval": "6h", "timeout": "30s"},
    "sources": [
        {"id": "eu-digital-strategy", "name": "European Commission - digital strategy news", "jurisdiction": "EU",
         "type": "feed", "url": "https://example.org/feed.xml", "interval": "1h", "relevance": "ai"},
        {"id": "kr-msit-press", "name": "Ministry of Science and ICT - press releases", "jurisdiction": ["KR"],
         "type": "page-list", "url": "https://example.org/press/list.do", "items": "table.board tbody tr",
         "encoding": "euc-kr"},
        {"id": "us-federal-register-ai", "name": "Federal Register - AI", "jurisdiction": "US", "type": "json",
         "url": "https://www.federalregister.gov/api/v1/documents.json?order=newest", "items": "results",
         "fields": {"id": "document_number", "title": "title", "url": "html_url", "published": "publication_date"}},
        {"id": "kr-ai-basic-act", "name": "AI Basic Act", "jurisdiction": "KR", "type": "page",
         "url": "https://example.org/law/ai-basic-act", "content": "div#contents", "ignore": ["조회수 \\d+"]},
    ],
    "channels": [
        {"id": "legal-team", "type": "email", "to": ["legal@example.org"], "from": "watcher@example.org",
         "smtp": {"host": "smtp.example.org", "port": 587, "starttls": True, "username": "watcher",
                  "password": "${SMTP_PASSWORD}"},
         "schedule": "0 8 * * *", "timezone": "Asia/Seoul"},
        {"id": "slack-asia", "type": "slack", "url": "https://hooks.slack.com/services/T/B/X", "mode": "instant",
         "filter": {"jurisdictions": ["KR", "JP"], "tags": ["new-decree", "delay"]}},
        {"id": "intranet", "type": "webhook", "url": "https://hooks.example.org/watcher", "secret": "${WEBHOOK_SECRET}"},
    ],
}
ENV = {"SMTP_PASSWORD": "pw-123456", "WEBHOOK_SECRET": "hook-secret"}

_DIR = Path(tempfile.mkdtemp(prefix="watcher-config-fuzz-"))
CONFIG = _DIR / "sources.yaml"
DB = f"sqlite:///{_DIR / 'absent' / 'watcher.db'}"  # never created: check-config must not touch a store

scalars = st.one_of(
    st.none(), st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30),
    st.sampled_from(["", " ", "0s", "-5m", "1e400h", "99999999999999999999d", "${UNSET_VAR}", "${", "http://",
                     "javascript:alert(1)", "ftp://x", "EU", "xx", "feed", "page-list", "instant", "0 8 * * *",
                     "* * *", "Mars/Olympus", "인공지능", "\u202e\u0000", "~", "null", "[", "&a", "*a"]),
)
values = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=8), inner, max_size=4)), max_leaves=12)


def deep(depth: int) -> Any:
    out: Any = "bottom"
    for n in range(depth):
        out = [out] if n % 2 else {"k": out}
    return out


@st.composite
def mutated(draw: st.DrawFn) -> dict[str, Any]:
    """VALID with 1-4 random structural mutations."""
    data = yaml.safe_load(yaml.safe_dump(VALID))  # a deep copy
    for _ in range(draw(st.integers(1, 4))):
        # Walk down to a random container.
        node: Any = data
        for _ in range(draw(st.integers(0, 4))):
            children = list(node.values()) if isinstance(node, dict) else node if isinstance(node, list) else []
            children = [c for c in children if isinstance(c, dict | list)]
            if not children:
                break
            node = draw(st.sampled_from(children))
        if isinstance(node, dict):
            keys = list(node)
            op = draw(st.sampled_from(["delete", "replace", "add", "rename", "deep"]))
            if op == "delete" and keys:
                del node[draw(st.sampled_from(keys))]
            elif op == "replace" and keys:
                node[draw(st.sampled_from(keys))] = draw(values)
            elif op == "rename" and keys:
                key = draw(st.sampled_from(keys))
                node[draw(st.text(min_size=1, max_size=10))] = node.pop(key)
            elif op == "deep" and keys:
                node[draw(st.sampled_from(keys))] = deep(draw(st.integers(10, 200)))
            else:
                node[draw(st.one_of(st.text(max_size=10), st.integers()))] = draw(values)
        elif isinstance(node, list):
            op = draw(st.sampled_from(["delete", "replace", "append"]))
            if op == "delete" and node:
                node.pop(draw(st.integers(0, len(node) - 1)))
            elif op == "replace" and node:
                node[draw(st.integers(0, len(node) - 1))] = draw(values)
            else:
                node.append(draw(values))
    if draw(st.integers(0, 20)) == 0:
        return draw(values)  # the whole document replaced
    return data


@st.composite
def damaged_text(draw: st.DrawFn) -> str:
    """The valid YAML text with characters inserted, deleted or replaced."""
    text = yaml.safe_dump(VALID, allow_unicode=True, sort_keys=False)
    for _ in range(draw(st.integers(1, 5))):
        pos = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        junk = draw(st.one_of(st.sampled_from(list(":-[]{}&*!|>'\"%@`#,?\t\n ") + ["\x00", "\ufeff", "---\n", "...\n",
                                                                                 "? [a]\n: 1\n", "<<: *x\n"]),
                              st.text(alphabet=string.printable + "é한字\u2028", max_size=6)))
        if op == "insert":
            text = text[:pos] + junk + text[pos:]
        elif op == "delete":
            text = text[:pos] + text[pos + draw(st.integers(1, 20)):]
        elif op == "replace":
            text = text[:pos] + junk + text[pos + len(junk):]
        else:
            text = text[:pos]
    return text


def check(text: str) -> None:
    CONFIG.write_text(text, encoding="utf-8", errors="surrogatepass")
    result = CliRunner().invoke(cli_main, ["--config", str(CONFIG), "--db", DB, "check-config"], env=ENV,
                                catch_exceptions=False)
    assert result.exit_code in (0, 2), (result.exit_code, result.stdout, result.stderr, text[:2000])
    assert "Traceback" not in result.stderr
    if result.exit_code == 2:
        lines = result.stderr.splitlines()
        assert lines, text[:2000]
        for line in lines:
            assert line.startswith(f"watcher: error: {CONFIG}"), (line, text[:2000])
            assert len(line) < 2000, line[:300]
        for secret in ENV.values():  # values from ${VAR} are never echoed
            assert secret not in result.stderr
    else:
        assert f"{CONFIG}: OK" in result.stdout
    assert not (_DIR / "absent").exists()


def test_the_unmutated_configuration_is_valid() -> None:
    check(yaml.safe_dump(VALID, allow_unicode=True, sort_keys=False))


COMMON = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])


@settings(COMMON, max_examples=int(os.environ.get("WATCHER_FUZZ_EXAMPLES", "400")))
@given(mutated())
@example({"sources": [{"id": "a", "name": "a", "type": "feed", "jurisdiction": "EU", "url": None}]})
@example({"sources": [], "channels": [{"id": "s", "type": "slack", "url": "https://x.org/", "filter": {"tags": 17}}]})
@example({"sources": [{"id": "a", "type": "feed", "jurisdiction": "EU", "url": "https://x.org/", "interval": "9" * 400 + "s"}]})
@example({"sources": [{"id": "a", "type": "feed", "jurisdiction": "EU", "url": "https://x.org/", "\x1e": 1}]})
def test_structural_mutations_never_crash(data: Any) -> None:
    check(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))


@settings(COMMON, max_examples=int(os.environ.get("WATCHER_FUZZ_EXAMPLES", "400")))
@given(damaged_text())
@example("sources:\n  ? [a, b]\n  : 1\n")  # an unhashable (list) key
@example("sources: &a [*a]\n")  # a self-referencing alias
@example("sources:\n- id: x\n  name: &a [*a]\n  ignore: &b {k: *b}\n")
@example("a: &a [1]\nb: &b [*a, *a, *a]\nc: &c [*b, *b, *b]\nd: &d [*c, *c, *c]\nsources: [*d, *d, *d]\n")
@example("sources:\n- id: x\n  interval: 1000000000000000000000000000000000d\n")
@example("sources: [" * 2000 + "]" * 2000)  # deep nesting in the YAML itself
@example("\ufeffsources: []\n\x00")
def test_damaged_yaml_never_crashes(text: str) -> None:
    check(text)


@pytest.mark.parametrize("value", [1e308, 10**30, -1, 0, float("nan"), "1e400h", "9" * 400 + "s"])
def test_huge_and_odd_durations_are_exit_2(value: Any) -> None:
    data = yaml.safe_load(yaml.safe_dump(VALID))
    data["sources"][0]["interval"] = value
    data["defaults"]["timeout"] = value
    CONFIG.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = CliRunner().invoke(cli_main, ["--config", str(CONFIG), "--db", DB, "check-config"], env=ENV,
                                catch_exceptions=False)
    assert result.exit_code == 2, (value, result.stdout)
    assert "key 'interval'" in result.stderr and "key 'timeout'" in result.stderr, result.stderr
