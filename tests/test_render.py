"""The e-mail rendering of digests (watcher/notify/render.py, templates/digest.*.j2):
escaping of untrusted feed content, http(s)-only links, grouping, sections, the instant
variant, user template overrides, CJK text, wrapping of the plain-text part."""

from __future__ import annotations

import html as htmllib
import re
from datetime import UTC, datetime
from html.parser import HTMLParser

import pytest

from watcher.notify.digest import (
    Digest,
    DigestChange,
    FailingSource,
    UpcomingDate,
    group_changes,
    subject_line,
)
from watcher.notify.render import (
    RenderedDigest,
    format_date,
    render_digest,
    safe_url,
    search_path,
    wrap,
)

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
XSS_TITLE = 'AI Act <script>alert(1)</script> "><img src=x onerror=alert(2)>'


def change(id: int, title: str, *, url: str | None = "https://example.org/item", jurisdictions=("EU",),
           tags=("guidance",), dates=(), summary="", kind="new", source="eu-digital-strategy",
           source_name="European Commission - digital strategy news", added=(), removed=()) -> DigestChange:
    return DigestChange(
        id=id, title=title, url=url, source_id=source, source_name=source_name, kind=kind,
        detected_at=NOW, published=datetime(2026, 11, 22, tzinfo=UTC), jurisdictions=list(jurisdictions),
        tags=list(tags), dates=[dict(d) for d in dates], summary=summary, added=list(added), removed=list(removed),
    )


def digest(changes: list[DigestChange], *, upcoming=(), failing=(), instant=False,
           channel="legal-team") -> Digest:
    groups = group_changes(changes)
    return Digest(channel_id=channel, generated_at=NOW, subject=subject_line(groups, len(changes), instant),
                  changes=changes, groups=groups, upcoming=list(upcoming), failing=list(failing),
                  instant=instant)


UPCOMING = [
    UpcomingDate("2026-12-01", "deadline", "Consultation on the AI Basic Act enforcement decree",
                 "https://www.msit.go.kr/bbs/view.do?nttSeqNo=3186", ["KR"], 7),
    UpcomingDate("2027-01", "effective", "Colorado AI Act obligations apply", None, ["US-CO"], 9),
]
FAILING = [FailingSource("jp-cao-ai", "Cabinet Office - AI strategy", 5,
                         "HTTP 503 from https://www8.cao.go.jp/cstp/ai/index.html", datetime(2026, 11, 20, tzinfo=UTC))]


def realistic_digest() -> Digest:
    """20 changes across EU, KR, JP and US-CO: long titles, Korean, Japanese and Chinese
    text, a very long URL, documents with added and removed lines, upcoming dates and
    failing sources. Also used by test_digest_browser.py."""
    long_url = ("https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32024R1689&qid=1720000000000"
                "&from=EN&" + "&".join(f"param{i}=averyveryverylongvalue{i}" for i in range(12)))
    ko = "과학기술정보통신부, 「인공지능 발전과 신뢰 기반 조성 등에 관한 기본법」 시행령 제정안 입법예고 및 의견 수렴"
    ja = "人工知能関連技術の研究開発及び活用の推進に関する法律に基づく人工知能基本計画（案）に関する意見募集について"
    zh = "国家互联网信息办公室等四部门发布《人工智能生成合成内容标识办法》，自2025年9月1日起施行"
    items = [
        change(1, "Commission publishes guidelines on the definition of an artificial intelligence system "
                  "under the AI Act (Regulation (EU) 2024/1689) to help providers determine applicability",
               url=long_url, jurisdictions=["EU"], tags=["guidance"],
               summary="The guidelines explain each element of the definition in Article 3(1) of the AI Act. "
                       "Full text: " + long_url),
        change(2, "Digital omnibus: proposal to postpone the application of high-risk obligations by up to sixteen months",
               jurisdictions=["EU"], tags=["delay", "amendment", "draft"],
               dates=[{"date": "2027-12-02", "kind": "effective"}],
               summary="The Commission proposes to link the application of the rules on high-risk AI systems "
                       "to the availability of standards and support tools."),
        change(3, "General-Purpose AI Code of Practice: signatories list updated", kind="updated",
               jurisdictions=["EU"], tags=["guidance"], source="eu-gpai-code", source_name="AI Office - GPAI Code of Practice",
               added=["Signatory: Example Model Labs GmbH (signed 20 November 2026)",
                      "Annex III: transparency chapter, model documentation form version 1.2"],
               removed=["Annex III: transparency chapter, model documentation form version 1.1"]),
        change(4, "Implementing act establishing the scientific panel of independent experts",
               jurisdictions=["EU"], tags=["new-decree"], dates=[{"date": "2026-12-15", "kind": "effective"}]),
        change(5, "Public consultation on serious incident reporting guidance for high-risk AI systems",
               jurisdictions=["EU"], tags=["consultation", "guidance"], dates=[{"date": "2026-12-19", "kind": "deadline"}],
               summary="Stakeholders are invited to comment on the draft guidance and template."),
        change(6, ko, url="https://www.msit.go.kr/bbs/view.do?sCode=user&mId=307&mPid=208&nttSeqNo=3186",
               jurisdictions=["KR"], tags=["draft", "consultation"], source="kr-msit-press",
               source_name="과학기술정보통신부 보도자료",
               dates=[{"date": "2026-12-01", "kind": "deadline"}, {"date": "2026-01-22", "kind": "effective"}],
               summary="과학기술정보통신부는 인공지능기본법 시행령 제정안을 40일간 입법예고하고 국민 의견을 수렴한다고 밝혔다. "
                       "시행령은 고영향 인공지능의 판단 기준과 생성형 인공지능 표시 의무의 구체적 방법을 규정한다."),
        change(7, "인공지능기본법 시행령 제정안 — 고영향 인공지능 사업자 책무 가이드라인(안) 공개",
               jurisdictions=["KR"], tags=["guidance", "draft"], source="kr-msit-press", source_name="과학기술정보통신부 보도자료"),
        change(8, "개인정보보호위원회, 생성형 AI 서비스 사업자에 시정명령 및 과징금 부과",
               jurisdictions=["KR"], tags=["enforcement-action"], source="kr-pipc", source_name="개인정보보호위원회",
               summary="개인정보보호위원회는 전체회의를 열고 생성형 인공지능 서비스를 운영하는 사업자에게 과징금을 부과했다."),
        change(9, "AI Basic Act - consolidated text (인공지능 발전과 신뢰 기반 조성 등에 관한 기본법)", kind="updated",
               url="https://www.law.go.kr/법령/인공지능발전과신뢰기반조성등에관한기본법",
               jurisdictions=["KR"], tags=["amendment"], source="kr-ai-basic-act", source_name="AI Basic Act - consolidated text",
               added=["제31조(인공지능 투명성 확보 의무) ① 고영향 인공지능이나 생성형 인공지능을 이용한 제품 또는 서비스를 "
                      "제공하려는 자는 해당 제품 또는 서비스가 인공지능에 기반하여 운용된다는 사실을 이용자에게 사전에 고지하여야 한다."],
               removed=["제31조(인공지능 투명성 확보 의무) ① 고영향 인공지능을 이용한 제품 또는 서비스를 제공하려는 자는 사전에 고지하여야 한다."]),
        change(10, ja, url="https://www.cao.go.jp/ai/pubcomment/2026.html", jurisdictions=["JP"],
               tags=["consultation", "draft"], source="jp-cao-ai", source_name="内閣府 AI戦略",
               dates=[{"date": "2026-12-20", "kind": "deadline"}],
               summary="内閣府は、人工知能基本計画（案）について、令和8年12月20日まで意見を募集します。"),
        change(11, "AI事業者ガイドライン（第1.2版）を公表しました", url="https://www.meti.go.jp/press/2026/11/20261120001/20261120001.html",
               jurisdictions=["JP"], tags=["guidance"], source="jp-meti", source_name="経済産業省"),
        change(12, "人工知能関連技術の研究開発及び活用の推進に関する法律の全面施行", jurisdictions=["JP"],
               tags=["enforcement-date", "new-law"], source="jp-cao-ai", source_name="内閣府 AI戦略",
               dates=[{"date": "2026-12", "kind": "effective"}]),
        change(13, "個人情報保護委員会：生成AIサービスの利用に関する注意喚起", jurisdictions=["JP"], tags=["guidance"],
               source="jp-ppc", source_name="個人情報保護委員会"),
        change(14, zh, url="https://www.cac.gov.cn/2025-03/14/c_1743654684782215.htm", jurisdictions=["JP", "CN"],
               tags=["new-decree", "enforcement-date"], source="jp-cao-ai", source_name="内閣府 AI戦略",
               dates=[{"date": "2025-09-01", "kind": "effective"}],
               summary="《办法》明确了人工智能生成合成内容标识的主体责任和义务规范，要求服务提供者对生成合成内容添加显式标识和隐式标识。"),
        change(15, "Colorado legislature delays the Colorado AI Act (SB 24-205) effective date to June 30, 2026",
               jurisdictions=["US-CO"], tags=["delay", "amendment", "new-law"], source="us-co-leg",
               source_name="Colorado General Assembly - bills",
               dates=[{"date": "2026-06-30", "kind": "effective"}],
               summary="SB25B-004, signed by the governor after the special session, moves the effective date of "
                       "the consumer protections for interactions with artificial intelligence systems."),
        change(16, "Attorney General opens pre-rulemaking comments on the Colorado AI Act", jurisdictions=["US-CO"],
               tags=["consultation"], source="us-co-ag", source_name="Colorado Attorney General",
               dates=[{"date": "2027-01-15", "kind": "deadline"}]),
        change(17, "Colorado AI Act: draft rules on impact assessments and risk management programs",
               jurisdictions=["US-CO"], tags=["draft"], source="us-co-ag", source_name="Colorado Attorney General"),
        change(18, "Supercalifragilisticexpialidociousregulatoryframeworkforartificialintelligencesystemsnotice",
               jurisdictions=["US-CO"], tags=[], source="us-co-ag", source_name="Colorado Attorney General"),
        change(19, "Colorado Division of Insurance adopts amended regulation 10-1-1 on governance of algorithms "
                   "and predictive models used by life insurers", jurisdictions=["US-CO"],
               tags=["new-decree", "amendment"], source="us-co-doi", source_name="Colorado Division of Insurance",
               dates=[{"date": "2026-12-01", "kind": "effective"}]),
        change(20, XSS_TITLE, url="javascript:alert(3)", jurisdictions=["EU"], tags=["guidance"],
               summary="<b>bold?</b> & friends"),
    ]
    upcoming = [
        *UPCOMING,
        UpcomingDate("2026-12-19", "deadline", "Public consultation on serious incident reporting guidance for "
                     "high-risk AI systems", "https://example.org/item", ["EU"], 5),
        UpcomingDate("2026-12-20", "deadline", ja, "https://www.cao.go.jp/ai/pubcomment/2026.html", ["JP"], 10),
        UpcomingDate("2027-01-15", "deadline", "Attorney General opens pre-rulemaking comments", None, ["US-CO"], 16),
    ]
    failing = [
        *FAILING,
        FailingSource("us-co-leg", "Colorado General Assembly - bills", 12,
                      "ConnectError: [Errno -3] Temporary failure in name resolution while fetching "
                      "https://leg.colorado.gov/bills/sb24-205?" + "x" * 120, None),
    ]
    return digest(items, upcoming=sorted(upcoming, key=lambda u: u.date), failing=failing)


class Links(HTMLParser):
    """Every href in a document, and every tag name."""

    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []
        self.tags: list[str] = []
        self.attrs: list[tuple[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attrs.extend(attrs)
        self.hrefs.extend(v or "" for k, v in attrs if k == "href")


def parse(html: str) -> Links:
    p = Links()
    p.feed(html)
    return p


def visible_text(html: str) -> str:
    """The text a reader sees, whitespace collapsed (tags count as spaces)."""
    return " ".join(htmllib.unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- escaping and links ----------------------------------------------------------------

def test_hostile_title_is_escaped_in_html_and_kept_literal_in_text():
    out = render_digest(digest([change(1, XSS_TITLE, summary='<img src=x onerror="alert(4)">')]))
    assert isinstance(out, RenderedDigest)
    assert "<script" not in out.html.lower()
    assert "<img" not in out.html.lower()
    parsed = parse(out.html)
    assert "script" not in parsed.tags and "img" not in parsed.tags
    assert not any(k.startswith("on") for k, _ in parsed.attrs)
    # The title still reads as it was written, escaped.
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in out.html
    assert "&#34;&gt;&lt;img src=x onerror=alert(2)&gt;" in out.html
    assert XSS_TITLE in visible_text(out.html)
    # Plain text is not HTML: the title is printed as is, not entity-encoded.
    assert XSS_TITLE in out.text.replace("\n  ", " ")
    assert "&lt;" not in out.text


def test_only_http_urls_become_links():
    changes = [
        change(1, "Script link", url="javascript:alert(1)"),
        change(2, "Data link", url="data:text/html;base64,PHNjcmlwdD4="),
        change(3, "Spaced scheme", url=" JavaScript:alert(1)"),
        change(4, "Good link", url="https://eur-lex.europa.eu/eli/reg/2024/1689/oj"),
        change(5, "No link", url=None),
    ]
    upcoming = [UpcomingDate("2026-12-01", "deadline", "Up bad", "javascript:alert(5)", ["EU"], 1)]
    out = render_digest(digest(changes, upcoming=upcoming))
    hrefs = parse(out.html).hrefs
    assert hrefs == ["https://eur-lex.europa.eu/eli/reg/2024/1689/oj"]
    assert "javascript" not in out.html.lower()
    assert "data:text" not in out.html
    assert "javascript" not in out.text.lower()
    assert "<https://eur-lex.europa.eu/eli/reg/2024/1689/oj>" in out.text.splitlines()[
        next(i for i, line in enumerate(out.text.splitlines()) if "Good link" in line) + 1]
    # The titles are still listed, as text.
    for title in ("Script link", "Data link", "Spaced scheme", "No link", "Up bad"):
        assert title in out.html and title in out.text


@pytest.mark.parametrize("url, ok", [
    ("https://example.org/a?b=1&c=2", True),
    ("HTTP://EXAMPLE.ORG/", True),
    ("javascript:alert(1)", False),
    ("jav\tascript:alert(1)", False),
    ("//evil.example/", False),
    ("/relative", False),
    ("https://", False),
    ("https://exa mple.org/", False),
    ("https://example.org/\nBcc: x@example.org", False),
    (None, False),
    (42, False),
])
def test_safe_url(url, ok):
    assert safe_url(url) == (url.strip() if ok else "")


def test_query_string_ampersands_are_escaped_in_href():
    out = render_digest(digest([change(1, "Q", url="https://example.org/a?b=1&c=2")]))
    assert 'href="https://example.org/a?b=1&amp;c=2"' in out.html
    assert parse(out.html).hrefs == ["https://example.org/a?b=1&c=2"]


# --- structure --------------------------------------------------------------------------

def test_grouped_by_jurisdiction_then_tag_with_labels():
    d = realistic_digest()
    out = render_digest(d)
    text = visible_text(out.html)
    # Jurisdictions in the digest's order (most changes first), each with its count.
    positions = [text.index(f"{g.jurisdiction} · {g.count} change") for g in d.groups]
    assert positions == sorted(positions)
    assert [g.jurisdiction for g in d.groups] == ["EU", "JP", "US-CO", "KR"]
    # Within a jurisdiction, tag groups by their labels, in priority order.
    eu = text[text.index("EU · 6 changes"):text.index("JP · 5 changes")]
    assert eu.index("Delays") < eu.index("New decrees and regulations") < eu.index("Consultations") < eu.index("Guidance")
    us = text[text.index("US-CO · 5 changes"):text.index("KR · 4 changes")]
    assert "Other news" in us  # the change without tags
    for label in ("Delays", "Consultations", "Guidance", "Other news", "Enforcement actions"):
        assert label in out.text
    # Each change once, with its source, kind, tags and dates.
    for c in d.changes:
        assert text.count(c.title) >= 1
    assert "Deadline" in text and "1 Dec 2026" in text and "Effective" in text and "Dec 2026" in text
    assert "AI Office - GPAI Code of Practice" in text
    assert "Updated" in text and "New" in text
    assert "enforcement-action" in text  # tags as labels
    assert out.subject == d.subject == "AI regulation: 20 changes — EU 6, JP 5, US-CO 5, KR 4"


def test_document_added_and_removed_lines():
    c = change(1, "AI Basic Act - consolidated text", kind="updated", tags=["amendment"],
               added=["Article 31 now covers generative AI"], removed=["Article 31 covered high-impact AI only"])
    out = render_digest(digest([c]))
    added = re.search(r'<td bgcolor="#e7f6ec"[^>]*>.*?</td>', out.html, re.S).group(0)
    removed = re.search(r'<td bgcolor="#fdecec"[^>]*>.*?</td>', out.html, re.S).group(0)
    assert "Article 31 now covers generative AI" in added
    assert "<del" in removed and "line-through" in removed and "Article 31 covered high-impact AI only" in removed
    assert "Added:" in out.text and "    + Article 31 now covers generative AI" in out.text
    assert "Removed:" in out.text and "    - Article 31 covered high-impact AI only" in out.text
    # A new item has neither block.
    plain = render_digest(digest([change(2, "Plain")]))
    assert "#e7f6ec" not in plain.html and "Added:" not in plain.text


def test_upcoming_and_failing_sections_present_when_there_is_something_to_say():
    out = render_digest(digest([change(1, "Item")], upcoming=UPCOMING, failing=FAILING))
    for body in (visible_text(out.html), out.text):
        assert "Upcoming dates" in body
        assert "Consultation on the AI Basic Act enforcement decree" in body
        assert "1 Dec 2026" in body and "Jan 2027" in body and "US-CO" in body
        assert "Sources failing" in body
        assert "Cabinet Office - AI strategy" in body and "jp-cao-ai" in body
        assert "5 consecutive failures" in body
        assert "HTTP 503 from https://www8.cao.go.jp/cstp/ai/index.html" in body
    assert "<https://www.msit.go.kr/bbs/view.do?nttSeqNo=3186>" in out.text
    assert "https://www.msit.go.kr/bbs/view.do?nttSeqNo=3186" in parse(out.html).hrefs


def test_empty_sections_are_omitted():
    out = render_digest(digest([change(1, "Item")]))
    for body in (out.html, out.text):
        assert "Upcoming dates" not in body
        assert "Sources failing" not in body
        assert "Added" not in body
    assert "Item" in out.text and "changes" not in out.subject


def test_digest_without_changes_still_renders_its_other_sections():
    out = render_digest(digest([], failing=FAILING))
    assert "No new changes since the last digest." in out.text
    assert "Sources failing" in out.text and "Sources failing" in out.html
    assert out.subject == "AI regulation: 0 changes"


def test_instant_alert_is_short():
    d = digest([change(1, "Colorado AI Act delayed", jurisdictions=["US-CO"], tags=["delay"])],
               upcoming=UPCOMING, failing=FAILING, instant=True)
    out = render_digest(d)
    assert out.subject == "AI regulation: 1 new change — US-CO 1"
    for body in (out.html, out.text):
        assert "AI regulation alert" in body
        assert "Colorado AI Act delayed" in body
        assert "since the last poll" in body
        assert "Upcoming dates" not in body and "Sources failing" not in body
        assert "AI regulation digest" not in body and "since the last digest" not in body
    assert len(out.text.splitlines()) < 25


def test_footer_says_how_to_change_what_is_sent():
    out = render_digest(digest([change(1, "Item")], channel="legal-team"))
    for body in (visible_text(out.html), out.text.replace("\n", " ")):
        assert "legal-team" in body
        assert "sources.yaml" in body and "filter" in body and "templates" in body


def test_html_is_a_mail_safe_document():
    out = render_digest(realistic_digest())
    html = out.html
    assert html.lstrip().startswith("<!DOCTYPE html>")
    assert '<html lang="en"' in html
    assert '<meta charset="utf-8">' in html
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    parsed = parse(html)
    assert "script" not in parsed.tags and "img" not in parsed.tags and "link" not in parsed.tags
    assert "max-width:640px" in html
    # No external resources of any kind.
    assert not re.search(r"\s(src|background|srcset|poster)\s*=\s*[\"']", html, re.I)
    assert "url(" not in html and "@import" not in html
    # The only <style> is the media query; everything else is inline.
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(styles) == 1 and styles[0].strip().startswith("@media")
    assert "class=" not in re.sub(r'class="wt-(px|outer)"', "", html)
    # Text cells wrap long words; font sizes stay readable.
    assert html.count("overflow-wrap:anywhere") > 20
    sizes = [int(s) for s in re.findall(r"font-size:(\d+)px", html)]
    assert min(s for s in sizes if s != 1) >= 14  # 1px is the hidden preheader
    # Subject is one line whatever the title.
    assert "\n" not in out.subject


# --- overrides ----------------------------------------------------------------------------

def test_user_template_directory_overrides_one_template_and_falls_back_for_the_other(tmp_path):
    (tmp_path / "digest.txt.j2").write_text(
        "CUSTOM {{ total }} for {{ channel_id }}\n{% for c in changes %}- {{ c.title }} <{{ c.url | url }}>\n{% endfor %}",
        encoding="utf-8")
    d = digest([change(1, XSS_TITLE, url="https://example.org/1")])
    out = render_digest(d, tmp_path)
    assert out.text == f"CUSTOM 1 for legal-team\n- {XSS_TITLE} <https://example.org/1>\n"
    # The HTML comes from the bundled template, still escaped.
    assert "AI regulation digest" in out.html and "&lt;script&gt;" in out.html
    assert search_path(tmp_path)[0] == tmp_path.resolve()
    # The same directory as a str hits the same cache and still sees later edits.
    (tmp_path / "subject.txt.j2").write_text("Custom: {{ subject }}\n\nsecond line", encoding="utf-8")
    assert render_digest(d, str(tmp_path)).subject == f"Custom: {d.subject} second line"


def test_override_html_is_autoescaped_too(tmp_path):
    (tmp_path / "digest.html.j2").write_text("<p>{{ changes[0].title }}</p><a href=\"{{ changes[0].url | url }}\">x</a>",
                                            encoding="utf-8")
    out = render_digest(digest([change(1, XSS_TITLE, url="javascript:alert(1)")]), tmp_path)
    assert out.html == '<p>AI Act &lt;script&gt;alert(1)&lt;/script&gt; &#34;&gt;&lt;img src=x onerror=alert(2)&gt;</p><a href="">x</a>'


def test_override_with_unknown_variable_fails_loudly(tmp_path):
    import jinja2

    (tmp_path / "digest.txt.j2").write_text("{{ no_such_thing }}", encoding="utf-8")
    with pytest.raises(jinja2.UndefinedError):
        render_digest(digest([change(1, "x")]), tmp_path)


def test_missing_templates_directory_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere"):
        render_digest(digest([change(1, "x")]), tmp_path / "nowhere")


# --- text and CJK --------------------------------------------------------------------------

def test_cjk_text_is_intact():
    ko = "과학기술정보통신부, 「인공지능 발전과 신뢰 기반 조성 등에 관한 기본법」 시행령 제정안 입법예고"
    ja = "人工知能関連技術の研究開発及び活用の推進に関する法律に基づく人工知能基本計画（案）に関する意見募集"
    zh = "国家互联网信息办公室发布《人工智能生成合成内容标识办法》"
    d = digest([change(1, ko, jurisdictions=["KR"], source_name="과학기술정보통신부"),
                change(2, ja, jurisdictions=["JP"], summary=zh)])
    out = render_digest(d)
    for s in (ko, ja, zh, "과학기술정보통신부"):
        assert s in out.html
        assert s in re.sub(r"\n +", "", out.text).replace("\n* ", "") or s.replace(" ", "") in re.sub(r"\s+", "", out.text)
    assert out.html.encode("utf-8").decode("utf-8") == out.html


def test_text_is_wrapped_at_78_columns_except_long_urls():
    out = render_digest(realistic_digest())
    for line in out.text.splitlines():
        stripped = line.strip().lstrip("*+- ")
        if stripped.startswith("<http") or stripped.startswith("https://"):
            continue
        width = sum(2 if "\u1100" <= ch <= "\uffdc" and ch not in "–—·…" else 1 for ch in line)
        assert width <= 78 or (" " not in stripped and len(stripped) > 60), line
    assert "<https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX%3A32024R1689" in out.text
    assert "    + Signatory: Example Model Labs GmbH" in out.text


def test_wrap_breaks_between_cjk_characters_but_not_inside_korean_words():
    ja = "人工知能関連技術の研究開発及び活用の推進に関する法律に基づく人工知能基本計画（案）に関する意見募集について"
    lines = wrap(ja, 30, "  ").splitlines()
    assert len(lines) > 3 and all(sum(2 for _ in line.strip()) <= 28 for line in lines)
    assert "".join(line.strip() for line in lines) == ja
    assert not any(line.strip().startswith(("）", "、", "。")) for line in lines)
    ko = "과학기술정보통신부는 인공지능 발전과 신뢰 기반 조성 등에 관한 기본법 시행령 제정안을 입법예고한다"
    words = set(ko.split())
    for line in wrap(ko, 30).splitlines():
        assert set(line.split()) <= words
    assert wrap("a " * 5, 78, "  ", "* ") == "* a a a a a"


@pytest.mark.parametrize("value, text", [
    ("2026-01-22", "22 Jan 2026"), ("2026-01", "Jan 2026"), ("2027", "2027"),
    (datetime(2026, 11, 23, 8, 0, tzinfo=UTC), "23 Nov 2026"), ("soon", "soon"), (None, ""),
])
def test_format_date(value, text):
    assert format_date(value) == text
