"""The feedparser project's own test documents (../shared/corpus/feedparser-tests),
served over HTTP with the headers each names, polled as one configuration in one
cycle: nothing escapes, and every document yields entries or a recorded error.

The corpus is read where it lies and never copied into the project."""

from __future__ import annotations

import codecs
import re
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml
from conftest import SHARED, Workdir

from watcher.config import load_config
from watcher.demo.server import LocalServer, Route
from watcher.fetch import Fetcher, FetchLimits
from watcher.poll import poll_sources
from watcher.store.db import open_store
from watcher.store.models import SourceState

CORPUS = SHARED / "corpus" / "feedparser-tests"
pytestmark = pytest.mark.skipif(not CORPUS.is_dir(), reason=f"{CORPUS} is absent (it lives outside the repository)")

_HEADER = re.compile(r"^\s*Header:\s*([A-Za-z0-9-]+)\s*:\s*(.*?)\s*$", re.M)


def head_text(raw: bytes) -> str:
    """The opening comment as text, whatever the file's encoding (UTF-16/32 included)."""
    head = raw[:4096]
    for bom, codec in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                       (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if head.startswith(bom):
            return head.decode(codec, errors="ignore")
    if b"\x00" in head:  # UTF-16/32 without a BOM: the comment is ASCII, so drop the zero bytes
        head = head.replace(b"\x00", b"")
    return head.decode("latin-1")


def served_headers(raw: bytes) -> dict[str, str]:
    return {name: value for name, value in _HEADER.findall(head_text(raw))}


def test_parse_headers_of_a_document() -> None:
    raw = b'<!--\nDescription: x\nHeader:       Content-type: text/xml; charset=windows-1252\nHeader: X-Foo: bar\n-->'
    assert served_headers(raw) == {"Content-type": "text/xml; charset=windows-1252", "X-Foo": "bar"}
    assert served_headers("<!--\nHeader: ETag: foo\n-->".encode("utf-16")) == {"ETag": "foo"}


def documents() -> list[Path]:
    return sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.parent != CORPUS)


def test_corpus_one_poll_cycle(server: LocalServer, work: Workdir) -> None:
    docs = documents()
    assert len(docs) > 2000
    sources = []
    with_headers = 0
    for n, path in enumerate(docs):
        raw = path.read_bytes()
        headers = served_headers(raw)
        with_headers += bool(headers)
        content_type = "application/xml"
        extra = {}
        for name, value in headers.items():
            if name.lower() == "content-type":
                content_type = value
            else:
                extra[name] = value
        url_path = "/" + quote(path.relative_to(CORPUS).as_posix())
        server.set(url_path, Route(raw, content_type, headers=extra))
        sources.append({"id": f"fp-{n:04d}", "name": path.relative_to(CORPUS).as_posix(), "jurisdiction": "INTL",
                        "type": "feed", "url": server.url(url_path)})
    assert with_headers >= 100
    work.write_config(text=yaml.safe_dump({"defaults": {"timeout": "20s", "relevance": "all"}, "sources": sources}))
    config = load_config(work.config)
    assert len(config.sources) == len(docs)

    started = time.monotonic()
    with open_store(work.db_url) as store, Fetcher(FetchLimits(max_concurrency=8, per_host=8)) as fetcher:
        report = poll_sources(list(config.sources), store, fetcher=fetcher)  # nothing may escape
        elapsed = time.monotonic() - started
        with store.session() as s:
            states = {st.id: st for st in s.query(SourceState)}

    outcomes = {o.source_id: o for o in report.outcomes}
    assert len(report.outcomes) == len(docs) and set(outcomes) == {s.id for s in config.sources}
    names = {s.id: s.name for s in config.sources}
    for sid, o in outcomes.items():
        if o.status == "error":
            assert o.error and o.error.strip(), names[sid]
            assert states[sid].consecutive_failures == 1 and states[sid].last_error == o.error
        else:
            assert o.status in ("baseline", "unchanged", "changed"), (names[sid], o.status)
            assert o.items is not None and o.items >= 0, names[sid]
            assert o.new == o.items  # a first poll stores every entry it found
            assert states[sid].last_error is None
    # HTTP itself never failed: every error is the document's, not the transport's.
    transport = [o for o in report.outcomes if o.status == "error" and ("HTTP " in o.error or "connect" in o.error)]
    assert transport == []

    statuses = Counter(o.status for o in report.outcomes)
    with_entries = sum(1 for o in report.outcomes if (o.items or 0) > 0)
    errors = [o for o in report.outcomes if o.status == "error"]
    kinds = Counter(o.error.split("(")[0].split(":")[0].strip() for o in errors)
    print(f"\nfeedparser corpus: {len(docs)} documents ({with_headers} with headers), {with_entries} with entries, "
          f"{len(docs) - with_entries - len(errors)} with no entries, {len(errors)} with errors, "
          f"{sum(1 for o in report.outcomes if o.warning)} with warnings; statuses {dict(statuses)}; "
          f"errors {dict(kinds)}; {elapsed:.1f}s")
    for o in errors[:15]:
        print(f"  {names[o.source_id]}: {o.error[:120]}")
    assert with_entries > len(docs) // 2
    assert len(errors) < len(docs) // 10
    # The elapsed time is printed above, not asserted: timings belong in bench/.
