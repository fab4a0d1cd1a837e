"""The HTML report in a real browser: headless Chromium (Debian's `chromium`) driven
over the DevTools protocol (tests/cdp.py), at phone (375x812) and desktop (1280x900)
sizes. Checked: no console errors or exceptions, no network request but the file
itself, no horizontal overflow on a phone, typing in the filter narrows the table,
a header click sorts it. Screenshots go to $WATCHER_SCREENSHOTS_DIR (default: the
test's temporary directory) as report-phone.png and report-desktop.png.

Skipped when no `chromium`/`chromium-browser` is on PATH.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import pytest
from cdp import Browser
from conftest import Cli, Workdir, feed_route, rss, source
from test_digest_browser import FLAGS, SIZES, png_size
from test_publish import DELAY, EU_A, EU_B, EU_C

from watcher.demo.server import LocalServer

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium or chromium-browser on PATH")

KR = [{"guid": "kr-1", "title": "「인공지능 기본법 시행령」 국무회의 의결… 2027년 1월 22일 시행",
       "description": "과학기술정보통신부는 인공지능 기본법 시행령이 국무회의에서 의결되어 2027년 1월 22일부터 시행된다고 밝혔다.",
       "link": "https://www.msit.example.kr/1"}]

MEASURE = """(function () {
  var de = document.documentElement, vw = window.innerWidth, over = [];
  document.querySelectorAll('body *').forEach(function (el) {
    if (el.getClientRects().length === 0) return;
    var b = el.getBoundingClientRect();
    if (b.width > 0 && b.right > vw + 0.5) over.push(el.tagName + ' ' + Math.round(b.right));
  });
  var rows = document.querySelectorAll('#changes-table tbody tr');
  var visible = Array.prototype.filter.call(rows, function (r) { return r.getClientRects().length > 0; });
  return JSON.stringify({innerWidth: vw, scrollWidth: de.scrollWidth, overflowing: over.slice(0, 10),
    rows: rows.length, visible: visible.length, count: document.getElementById('count').textContent,
    firstTitles: visible.map(function (r) { return r.cells[2].textContent.trim(); }),
    text: document.body.innerText});
})()"""


@pytest.fixture(scope="module")
def report_file(tmp_path_factory) -> Path:
    tmp = tmp_path_factory.mktemp("report")
    work = Workdir(tmp / "work")
    work.path.mkdir()
    cli = Cli(work)
    with LocalServer() as server:
        server.set("/a.xml", feed_route(rss(EU_A)))
        server.set("/b.xml", feed_route(rss(EU_B)))
        server.set("/c.xml", feed_route(rss(EU_C)))
        server.set("/kr.xml", feed_route(rss([])))
        work.write_config([source("eu-a", server.url("/a.xml"), "EU"), source("eu-b", server.url("/b.xml"), "EU"),
                           source("eu-c", server.url("/c.xml"), "EU"), source("kr-msit", server.url("/kr.xml"), "KR")])
        assert cli("poll").code == 0
        server.set("/a.xml", feed_route(rss([DELAY, *EU_A])))
        server.set("/kr.xml", feed_route(rss(KR)))
        cli("poll")
    run = cli("report", "--out", str(tmp / "site"))
    assert run.code == 0, run.err
    return tmp / "site" / "index.html"


def _visit(report: Path, name: str, size: tuple[int, int], profile: Path) -> dict:
    w, h = size
    browser = Browser(CHROMIUM, FLAGS, profile)
    try:
        target = browser.send("Target.createTarget", {"url": "about:blank"})["targetId"]
        session = browser.send("Target.attachToTarget", {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Runtime", "Log", "Network"):
            browser.send(f"{domain}.enable", session=session)
        browser.send("Emulation.setDeviceMetricsOverride",
                     {"width": w, "height": h, "deviceScaleFactor": 1, "mobile": w < 500}, session=session)
        browser.send("Page.navigate", {"url": report.as_uri()}, session=session)
        browser.wait_for("Page.loadEventFired")

        def evaluate(expr: str):
            result = browser.send("Runtime.evaluate", {"expression": expr, "returnByValue": True}, session=session)
            assert "exceptionDetails" not in result, result
            return result["result"].get("value")

        before = json.loads(evaluate(MEASURE))
        shot = Path(os.environ.get("WATCHER_SCREENSHOTS_DIR") or profile.parent) / f"report-{name}.png"
        shot.parent.mkdir(parents=True, exist_ok=True)
        data = browser.send("Page.captureScreenshot", {"format": "png"}, session=session)["data"]
        shot.write_bytes(base64.b64decode(data))
        evaluate("document.getElementById('filter').focus()")
        browser.send("Input.insertText", {"text": "delay"}, session=session)
        filtered = json.loads(evaluate(MEASURE))
        evaluate("document.getElementById('filter').value = ''; "
                 "document.getElementById('filter').dispatchEvent(new Event('input'))")
        evaluate("var s = document.getElementById('jur'); s.value = 'KR'; s.dispatchEvent(new Event('change'))")
        by_jurisdiction = json.loads(evaluate(MEASURE))
        evaluate("var s = document.getElementById('jur'); s.value = ''; s.dispatchEvent(new Event('change'))")
        evaluate("document.querySelectorAll('#changes-table th button')[2].click()")  # sort by title
        sorted_once = json.loads(evaluate(MEASURE))
        evaluate("document.querySelectorAll('#changes-table th button')[2].click()")
        sorted_twice = json.loads(evaluate(MEASURE))
    finally:
        browser.close()
    return {"before": before, "filtered": filtered, "jur": by_jurisdiction, "asc": sorted_once,
            "desc": sorted_twice, "shot": shot, "events": browser.events}


@pytest.fixture(scope="module")
def visits(report_file: Path, tmp_path_factory) -> dict[str, dict]:
    tmp = tmp_path_factory.mktemp("chromium")
    return {name: _visit(report_file, name, size, tmp / f"profile-{name}") for name, size in SIZES.items()}


@pytest.mark.parametrize("name", list(SIZES))
def test_no_console_errors_and_no_requests_but_the_file(visits, report_file: Path, name: str) -> None:
    events = visits[name]["events"]
    errors = [p for m, p, _ in events if m == "Runtime.exceptionThrown"]
    errors += [p for m, p, _ in events if m == "Runtime.consoleAPICalled" and p.get("type") in ("error", "assert")]
    errors += [p["entry"] for m, p, _ in events if m == "Log.entryAdded" and p["entry"].get("level") == "error"]
    assert errors == []
    requested = [p["request"]["url"] for m, p, _ in events if m == "Network.requestWillBeSent"]
    assert requested == [report_file.as_uri()]


@pytest.mark.parametrize("name", list(SIZES))
def test_filter_narrows_and_headers_sort_the_table(visits, name: str) -> None:
    v = visits[name]
    assert v["before"]["rows"] == v["before"]["visible"] >= 6
    assert v["filtered"]["visible"] == 1 and v["filtered"]["firstTitles"] == [DELAY["title"]]
    assert v["filtered"]["count"] == f"1 of {v['before']['rows']} shown"
    assert v["jur"]["visible"] == 1 and "인공지능 기본법" in v["jur"]["firstTitles"][0]
    asc = v["asc"]["firstTitles"]
    assert asc == sorted(asc, key=str.lower) and v["desc"]["firstTitles"] == asc[::-1]


def test_phone_has_no_horizontal_overflow(visits) -> None:
    p = visits["phone"]["before"]
    assert p["innerWidth"] == 375
    assert p["scrollWidth"] <= 375, p["overflowing"]
    assert p["overflowing"] == []


def test_page_shows_all_four_parts_at_both_widths(visits) -> None:
    for name, (w, h) in SIZES.items():
        v = visits[name]
        text = v["before"]["text"]
        for heading in ("Changes per jurisdiction", "Upcoming dates", "Recent changes", "Source health"):
            assert heading in text
        assert "2 Dec 2027" in text and "eu-c" in text
        assert png_size(v["shot"]) == (w, h)
        assert v["shot"].stat().st_size > 20_000
