"""Hostile bodies for the cost-budget tests (issue 22, the parse stage), and a
prepare function that misbehaves on purpose, importable by a worker process.

Each body is what a hostile server sends (gzip-encoded on the wire): kilobytes
that decompress to a document built to cost minutes of CPU or a gigabyte of
memory in one of the parsers.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Mapping
from typing import Any

from watcher.demo.server import Route


def gzipped(body: bytes, content_type: str) -> Route:
    """`body` served gzip-encoded, as the hostile server of issue 22 does."""
    return Route(gzip.compress(body, 9), content_type, headers={"Content-Encoding": "gzip"})


def nested_divs(depth: int, row: str = "") -> bytes:
    """An HTML page holding `row` (a listing row) and `depth` nested <div>."""
    return (f"<!DOCTYPE html><html><body><main><h1>AI Act notices</h1>{row}"
            + "<div>" * depth + "The AI Act applies from 2 August 2026." + "</div>" * depth
            + "</main></body></html>").encode()


def rss_with_description(description_xml: str, guid: str = "g1") -> bytes:
    """An RSS feed of one item whose <description> holds `description_xml` as it is."""
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Hostile</title>'
            "<link>http://127.0.0.1/</link><description>x</description>"
            f'<item><guid isPermaLink="false">{guid}</guid><title>AI Act guidance</title>'
            f"<link>http://127.0.0.1/item/{guid}</link><description>{description_xml}</description>"
            "<pubDate>Mon, 02 Nov 2026 09:00:00 GMT</pubDate></item></channel></rss>").encode()


def nested_elements(depth: int) -> str:
    return "<b>" * depth + "AI" + "</b>" * depth


def many_pages_pdf(pages: int, text: str = "AI Act page") -> bytes:
    """A PDF of `pages` pages, all in one /Kids array, sharing one content stream that
    prints `text` (60,000 pages: 9.6 MB, 486 KB gzipped)."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Count %d /Kids [" % pages + b" ".join(b"%d 0 R" % (5 + i) for i in range(pages)) + b"] >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    page = (b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 3 0 R "
            b"/Resources << /Font << /F1 4 0 R >> >> >>")
    objects += [page] * pages
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def hostile_prepare(source: Any, result: Any, stored: Mapping[str, Any]) -> Any:
    """`watcher.prepare.prepare`, except for two sources that stand for a parser path
    nobody has found yet: `spin` backtracks forever inside the regex engine (C code
    holding the GIL), `hog` allocates without bound."""
    from watcher.prepare import prepare

    if source.id == "spin":
        re.match(r"(a|aa)*c", "a" * 200)  # catastrophic backtracking: longer than the universe
    if source.id == "hog":
        held = []
        while True:
            held.append(bytearray(16 * 1024 * 1024))
    return prepare(source, result, stored)
