"""`page` sources whose response is a PDF (issue 4): the text layer is the item, a
changed PDF is one update with the diff, a PDF without text is a clear error.
The PDFs are written by hand in the test (tests/pages_helpers.pdf_bytes)."""

from __future__ import annotations

import io

import pytest
from conftest import Cli, Workdir
from pages_helpers import diff_lines, fresh_changes, page_source, pdf_bytes, poll_ok, shown
from pypdf import PdfReader

from watcher.demo.server import LocalServer, Route
from watcher.sources.page import is_pdf

LINES = [
    "AI Guideline for Business (Version 1.1)",
    "Chapter 1 Purpose: This guideline supports the safe use of AI by businesses.",
    "Chapter 2 Scope: It applies to AI developers, providers and business users.",
]
EXTRA = "Chapter 3 Risk: Providers shall assess risks before placing a system on the market."


def test_handmade_pdf_is_valid() -> None:
    """The helper's PDF parses strictly (correct xref offsets) and holds the lines."""
    reader = PdfReader(io.BytesIO(pdf_bytes(LINES)), strict=True)
    assert len(reader.pages) == 1
    assert reader.pages[0].extract_text().splitlines() == LINES
    assert PdfReader(io.BytesIO(pdf_bytes(None)), strict=True).pages[0].extract_text() == ""


def pdf_source(server: LocalServer, work: Workdir, path: str = "/ai_guideline/ai_gl.pdf") -> None:
    work.write_config([page_source("jp-ai-guideline", server.url(path), "page", "JP", name="AI Guideline for Business")])


@pytest.mark.parametrize("content_type", ["application/pdf", "application/octet-stream"])
def test_pdf_text_is_the_item_and_a_changed_pdf_is_one_update(server: LocalServer, work: Workdir, cli: Cli,
                                                               content_type: str) -> None:
    server.set("/ai_guideline/ai_gl.pdf", Route(pdf_bytes(LINES), content_type))
    pdf_source(server, work)
    assert "1 items stored" in poll_ok(cli)
    [base] = cli.changes()
    assert base["kind"] == "new" and base["title"] == "AI Guideline for Business"
    evidence = shown(cli, base["id"], "--evidence")["evidence"]
    assert evidence["text"].splitlines() == LINES
    assert evidence["content_type"] == content_type

    # The same PDF with one more line.
    server.set("/ai_guideline/ai_gl.pdf", Route(pdf_bytes([*LINES, EXTRA]), content_type))
    assert "1 changed (0 new, 1 updated)" in poll_ok(cli)
    [change] = fresh_changes(cli)
    assert change["kind"] == "updated"
    added, removed = diff_lines(shown(cli, change["id"])["diff"])
    assert added == [EXTRA] and removed == []
    text = cli("show", str(change["id"]))
    assert text.code == 0 and "+" + EXTRA in text.out.splitlines()

    # A re-generated but identical-text PDF (new bytes: a different line spacing) is nothing.
    server.set("/ai_guideline/ai_gl.pdf",
               Route(pdf_bytes([*LINES, EXTRA]).replace(b"16 TL", b"18 TL"), content_type))
    assert "1 unchanged" in poll_ok(cli)
    assert len(fresh_changes(cli)) == 1


def test_pdf_without_a_text_layer_is_a_clear_error(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/ai_guideline/ai_gl.pdf", Route(pdf_bytes(None), "application/pdf"))
    pdf_source(server, work)
    run = cli("poll")
    assert run.code == 3
    assert "no text layer" in run.err
    health = cli.sources()["jp-ai-guideline"]
    assert health["state"] == "failing" and "no text layer" in health["last_error"]
    assert cli.changes() == []


def test_unreadable_pdf_is_a_source_error(server: LocalServer, work: Workdir, cli: Cli) -> None:
    server.set("/ai_guideline/ai_gl.pdf", Route(b"%PDF-1.7\n" + b"\x00garbage" * 50, "application/pdf"))
    pdf_source(server, work)
    run = cli("poll")
    assert run.code == 3 and "Traceback" not in run.err
    assert "not a readable PDF" in cli.sources()["jp-ai-guideline"]["last_error"]
    assert cli.changes() == []


def test_is_pdf() -> None:
    assert is_pdf(b"%PDF-1.4\n...", None)
    assert is_pdf(b"\r\n %PDF-1.7", "application/octet-stream")
    assert is_pdf(b"garbage", "application/pdf; qs=0.9")
    assert not is_pdf(b"<html>%PDF</html>", "text/html")
