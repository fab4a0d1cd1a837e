"""Helpers shared by the page-list, page, json, PDF and evidence tests (issue 4):
the encoded fixture pages, HTML/JSON/PDF routes for the LocalServer, a
hand-written PDF, and the CLI calls those tests repeat."""

from __future__ import annotations

import json
from typing import Any

from conftest import FIXTURES, Cli

from watcher.demo.server import Route

PAGES = FIXTURES / "pages"

# fixture file -> the codec its bytes are in (see tests/fixtures/pages/make_pages.py)
CODECS = {
    "kr-board.euc-kr.html": "cp949",
    "jp-list.shift_jis.html": "cp932",
    "tw-board.big5.html": "big5",
    "cn-doc.gb18030.html": "gb18030",
}


def fixture_bytes(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def fixture_text(name: str) -> str:
    """A fixture page decoded with the codec it was written in (to derive variants from)."""
    return fixture_bytes(name).decode(CODECS[name])


def encoded(name: str, text: str) -> bytes:
    """`text` (a variant of fixture `name`) in that fixture's encoding."""
    return text.encode(CODECS[name])


def html_route(body: bytes | str, content_type: str = "text/html; charset=utf-8", **kw: Any) -> Route:
    return Route(body.encode("utf-8") if isinstance(body, str) else body, content_type, **kw)


def json_route(document: Any, content_type: str = "application/json; charset=utf-8", **kw: Any) -> Route:
    return Route(json.dumps(document, ensure_ascii=False).encode("utf-8"), content_type, **kw)


def page_source(id: str, url: str, type: str = "page", jurisdiction: str = "INTL", **kw: Any) -> dict[str, Any]:
    return {"id": id, "name": kw.pop("name", id), "jurisdiction": jurisdiction, "type": type, "url": url, **kw}


# -- PDF ----------------------------------------------------------------------------------------


def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def pdf_bytes(lines: list[str] | None) -> bytes:
    """A minimal valid one-page PDF 1.4: `lines` drawn in Helvetica, one per line, with a
    correct xref table. `None` draws only a filled rectangle: a page without a text layer
    (what a scan looks like to a text extractor)."""
    if lines is None:
        content = "0.5 g 72 500 300 200 re f"
    else:
        shown = " T* ".join(f"{_pdf_string(line)} Tj" for line in lines)
        content = f"BT /F1 12 Tf 16 TL 72 720 Td {shown} ET"
    stream = content.encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> "
        b"/Contents 4 0 R >>",
        b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n".encode() + b"0000000000 65535 f \n"
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


# -- CLI ----------------------------------------------------------------------------------------


def poll_ok(cli: Cli, *args: str) -> str:
    """`watcher poll` that must succeed (exit 0); returns its stdout."""
    run = cli("poll", *args)
    assert run.code == 0, (run.out, run.err)
    return run.out


def fresh_changes(cli: Cli, source_id: str | None = None) -> list[dict[str, Any]]:
    """Changes that are not part of a baseline, oldest first."""
    args = ("--source", source_id) if source_id else ()
    return sorted((c for c in cli.changes(*args) if not c["baseline"]), key=lambda c: c["id"])


def shown(cli: Cli, change_id: int, *args: str) -> dict[str, Any]:
    run = cli("show", str(change_id), "--format", "json", *args)
    assert run.code == 0, run.err
    return run.json()


def diff_lines(diff: str) -> tuple[list[str], list[str]]:
    """The added and the removed lines of a unified diff, without their +/- marks."""
    lines = diff.splitlines()
    return ([line[1:] for line in lines if line.startswith("+")],
            [line[1:] for line in lines if line.startswith("-")])
