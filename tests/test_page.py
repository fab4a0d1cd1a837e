"""`page` sources (watched HTML documents) end to end through the CLI, against the
local HTTP server: a gained paragraph is one update whose diff is that
paragraph; a re-rendered page (tokens, timestamps, counters, attribute order,
ads) is nothing; encodings; selectors that match nothing (issue 4)."""

from __future__ import annotations

import pytest
from conftest import Cli, Workdir
from pages_helpers import (
    diff_lines,
    fixture_bytes,
    fresh_changes,
    html_route,
    page_source,
    poll_ok,
    shown,
)

from watcher.demo.server import LocalServer

TOKEN_A = "3f9a0c1be4d2a7f8091c3b5d6e7f8a9b"
TOKEN_B = "c07e11aa93b54d2f8e6a1b0c9d8e7f60"
NEW_PARAGRAPH = "Article 2-2 (Transparency) A provider shall notify users that a system is AI-generated."


def law_page(*, token: str = TOKEN_A, generated: str = "2026-11-23 14:22:31", views: tuple[str, str] = ("1,234", "57"),
             attrs_reversed: bool = False, ad: str = "Fly to Jeju for 19,900 won", extra: str | None = None) -> str:
    """A law portal's page: the Act's text inside chrome that changes on every rendering."""
    div_attrs = ('data-rev="12" id="contents" class="law-body"' if attrs_reversed
                 else 'class="law-body" id="contents" data-rev="12"')
    p_attrs = 'lang="en" class="article"' if attrs_reversed else 'class="article" lang="en"'
    extra_html = f"<p {p_attrs}>{extra}</p>\n" if extra else ""
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="csrf-token" content="{token}">
<title>AI Basic Act | National Law Information Center</title>
<link rel="stylesheet" href="/static/site.css?sid={token}">
<script>window.__SESSION__ = "{token}"; var renderedAt = "{generated}";</script>
</head><body>
<header><nav><a href="/">Home</a> <a href="/laws?jsessionid={token}">Laws</a></nav></header>
<div class="advert-top" id="advert-1"><a href="https://ads.example.net/c?id={token}">{ad}</a></div>
<main>
<div {div_attrs}>
<h1>Act on the Development of Artificial Intelligence and Establishment of Trust</h1>
<p class="meta">Views: {views[0]} | 조회수 {views[1]}</p>
<p {p_attrs}>Article 1 (Purpose) The purpose of this Act is to protect the rights and dignity of the people.</p>
<p {p_attrs}>Article 2 (Definitions) The terms used in this Act are defined as follows.</p>
{extra_html}<p {p_attrs}>Article 3 (Basic principles) Artificial intelligence shall be safe and trustworthy.</p>
<form action="/print" method="post"><input type="hidden" name="_csrf" value="{token}"><button>Print</button></form>
<p class="stamp">Page generated {generated}</p>
<p class="session">Session {token}</p>
</div>
</main>
<aside class="ad">{ad}</aside>
<footer>Copyright National Law Information Center. <span>Rendered in 0.{views[1]}s</span></footer>
</body></html>
"""


def law_source(server: LocalServer, work: Workdir, **kw) -> None:
    work.write_config([page_source("kr-ai-basic-act", server.url("/law/ai-basic-act"), "page", "KR",
                                   name="AI Basic Act - consolidated text", **kw)])


def serve(server: LocalServer, html: str) -> None:
    server.set("/law/ai-basic-act", html_route(html))


# -- a document gains a paragraph -----------------------------------------------------------


def test_first_fetch_is_one_new_item_holding_the_main_text(server: LocalServer, work: Workdir, cli: Cli) -> None:
    serve(server, law_page())
    law_source(server, work)
    assert "1 items stored" in poll_ok(cli)
    [change] = cli.changes()
    assert change["kind"] == "new" and change["baseline"] is True
    assert change["title"] == "AI Basic Act - consolidated text"
    assert change["url"] == server.url("/law/ai-basic-act")
    text = shown(cli, change["id"], "--evidence")["evidence"]["text"]
    assert "Article 1 (Purpose)" in text and "Article 3 (Basic principles)" in text
    # navigation, ads, the form, the footer, scripts, tokens, counters and the stamp are not the document
    for chrome in ("Home", "Laws", "Jeju", "Print", "Copyright", "__SESSION__", TOKEN_A, "1,234", "14:22:31"):
        assert chrome not in text, chrome


def test_document_gaining_a_paragraph_is_one_update_with_exactly_that_diff(server: LocalServer, work: Workdir,
                                                                           cli: Cli) -> None:
    serve(server, law_page())
    law_source(server, work)
    poll_ok(cli)
    # The edit arrives in a fresh rendering: new token, time and counters too.
    serve(server, law_page(token=TOKEN_B, generated="2026-11-24 09:01:17", views=("1,301", "61"),
                           extra=NEW_PARAGRAPH))
    assert "1 changed (0 new, 1 updated)" in poll_ok(cli)
    [change] = fresh_changes(cli)
    assert change["kind"] == "updated" and change["title"] == "AI Basic Act - consolidated text"
    assert change["summary"].startswith("Added 1 line: " + NEW_PARAGRAPH)

    data = shown(cli, change["id"])
    assert isinstance(data["diff"], str)
    added, removed = diff_lines(data["diff"])
    assert added == [NEW_PARAGRAPH]
    assert removed == []

    text = cli("show", str(change["id"]))
    assert text.code == 0, text.err
    assert "+" + NEW_PARAGRAPH in text.out.splitlines()
    assert not any(line.startswith("-") for line in text.out.splitlines())

    # Fetching the same edited document again (re-rendered) records nothing more.
    serve(server, law_page(token=TOKEN_A, generated="2026-11-24 09:05:44", extra=NEW_PARAGRAPH))
    assert "1 unchanged" in poll_ok(cli)
    assert len(fresh_changes(cli)) == 1


def test_removed_and_edited_paragraphs_show_as_minus_and_plus(server: LocalServer, work: Workdir, cli: Cli) -> None:
    serve(server, law_page(extra=NEW_PARAGRAPH))
    law_source(server, work)
    poll_ok(cli)
    edited = law_page().replace("safe and trustworthy", "safe, transparent and trustworthy")
    serve(server, edited)
    poll_ok(cli)
    [change] = fresh_changes(cli)
    added, removed = diff_lines(shown(cli, change["id"])["diff"])
    assert removed == [NEW_PARAGRAPH,
                       "Article 3 (Basic principles) Artificial intelligence shall be safe and trustworthy."]
    assert added == ["Article 3 (Basic principles) Artificial intelligence shall be safe, transparent and trustworthy."]


# -- re-rendering is not a change ---------------------------------------------------------------

RERENDERINGS = {
    "session token (meta, script, links, hidden input, long hex in text)": {"token": TOKEN_B},
    "timestamp": {"generated": "2026-11-24 09:01:17"},
    "view counters": {"views": ("1,240", "58")},
    "reordered attributes": {"attrs_reversed": True},
    "changed ad block": {"ad": "New phones from 99,000 won - order today"},
    "all of them at once": {"token": TOKEN_B, "generated": "2026-12-01 00:00:01", "views": ("9,999", "999"),
                            "attrs_reversed": True, "ad": "Something else entirely"},
}


@pytest.mark.parametrize("change", list(RERENDERINGS.values()), ids=list(RERENDERINGS))
def test_rerendered_page_records_nothing(server: LocalServer, work: Workdir, cli: Cli, change: dict) -> None:
    serve(server, law_page())
    law_source(server, work)
    poll_ok(cli)
    base = cli.changes()
    again = law_page(**change)
    assert again != law_page()
    serve(server, again)
    out = poll_ok(cli)
    assert "1 unchanged" in out, out  # the body differs, so it was parsed; the document did not change
    assert cli.changes() == base


def test_ignore_regexes_and_content_selector(server: LocalServer, work: Workdir, cli: Cli) -> None:
    def page(revision: int, sidebar: str, body: str = "Article 1 applies from 22 January 2026.") -> str:
        return (f"<html><body><div id='sidebar'>{sidebar}</div><div id='contents'>"
                f"<p>{body}</p><p>Revision {revision} (internal build)</p></div></body></html>")

    serve(server, page(41, "Related: press release A"))
    law_source(server, work, content="div#contents", ignore=[r"Revision \d+ \(internal build\)"])
    poll_ok(cli)
    [base] = cli.changes()
    text = shown(cli, base["id"], "--evidence")["evidence"]["text"]
    assert "Article 1 applies" in text and "Revision" not in text and "Related" not in text

    serve(server, page(42, "Related: press release B"))  # outside the content selector, and the ignored text
    assert "1 unchanged" in poll_ok(cli)
    serve(server, page(43, "Related: press release B", "Article 1 applies from 22 January 2027."))
    assert "1 changed (0 new, 1 updated)" in poll_ok(cli)
    [change] = fresh_changes(cli)
    added, removed = diff_lines(shown(cli, change["id"])["diff"])
    assert added == ["Article 1 applies from 22 January 2027."]
    assert removed == ["Article 1 applies from 22 January 2026."]


# -- errors -----------------------------------------------------------------------------------


def test_content_selector_matching_nothing_is_a_source_error(server: LocalServer, work: Workdir, cli: Cli) -> None:
    serve(server, law_page())
    law_source(server, work, content="div#law-text")
    run = cli("poll")
    assert run.code == 3
    assert "div#law-text" in run.err
    error = cli.sources()["kr-ai-basic-act"]["last_error"]
    assert "div#law-text" in error and "matched nothing" in error
    assert cli.changes() == []
    check = cli("check-config")
    assert check.code == 0 and "kr-ai-basic-act" in check.err and "div#law-text" in check.err


def test_page_without_text_is_a_source_error(server: LocalServer, work: Workdir, cli: Cli) -> None:
    serve(server, "<html><body><div id='app'></div><script>render()</script></body></html>")
    law_source(server, work)
    assert cli("poll").code == 3
    assert "no text" in cli.sources()["kr-ai-basic-act"]["last_error"]
    assert cli.changes() == []


# -- encodings --------------------------------------------------------------------------------


def test_gb18030_document(server: LocalServer, work: Workdir, cli: Cli) -> None:
    body = fixture_bytes("cn-doc.gb18030.html")
    with pytest.raises(UnicodeDecodeError):
        body.decode("gbk")  # 䶮 is outside GBK: only a GB18030 decoder reads it
    server.set("/zhengce/genai.htm", html_route(body, "text/html"))
    work.write_config([page_source("cn-genai", server.url("/zhengce/genai.htm"), "page", "CN")])
    poll_ok(cli)
    [change] = cli.changes()
    text = shown(cli, change["id"], "--evidence")["evidence"]["text"]
    assert "生成式人工智能服务管理暂行办法" in text
    assert "为了促进生成式人工智能健康发展和规范应用" in text
    assert "本办法由刘䶮同志负责解释" in text
    assert "首页" not in text and "版权所有" not in text  # nav and footer are not the document
    assert "\ufffd" not in text


def test_big5_document_with_lying_header_and_no_meta_is_detected(server: LocalServer, work: Workdir,
                                                                cli: Cli) -> None:
    paragraphs = ["第一條　為促進以人為本之人工智慧研發與產業發展，建立安全之人工智慧應用環境，特制定本法。",
                  "第二條　本法所稱主管機關：在中央為國家科學及技術委員會；在直轄市為直轄市政府。",
                  "第三條　人工智慧之研發與應用，應兼顧社會公益、數位平權及國家文化價值。"]
    html = "<html><body><main>" + "".join(f"<p>{p}</p>" for p in paragraphs) + "</main></body></html>"
    server.set("/law/ai.html", html_route(html.encode("big5"), "text/html; charset=utf-8"))
    work.write_config([page_source("tw-ai-act", server.url("/law/ai.html"), "page", "TW")])
    poll_ok(cli)
    [change] = cli.changes()
    text = shown(cli, change["id"], "--evidence")["evidence"]["text"]
    assert "國家科學及技術委員會" in text and "數位平權" in text
    assert "\ufffd" not in text
