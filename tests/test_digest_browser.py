"""The HTML digest in a real browser: headless Chromium (Debian's `chromium`) at phone
(375x812) and desktop (1280x900) widths. Screenshots are taken, and the layout is
measured from inside the page (in an iframe of the exact size): no horizontal overflow on a phone, a content column
of at most ~640 px centred on a desktop, readable font sizes, text intact.

Skipped when no `chromium`/`chromium-browser` is on PATH. Set WATCHER_SCREENSHOTS_DIR
to keep the screenshots (digest-phone.png, digest-desktop.png) for a human to look at.
"""

from __future__ import annotations

import html as htmllib
import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest
from test_render import XSS_TITLE, realistic_digest

from watcher.notify.render import render_digest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no chromium or chromium-browser on PATH")

# No network here: without the background-networking flags Chromium stalls on them.
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-extensions", "--disable-default-apps", "--mute-audio"]
SIZES = {"phone": (375, 812), "desktop": (1280, 900)}

# Runs in the page once laid out and writes what it measured into the DOM, where
# --dump-dom lets the test read it.
PROBE = """
<script>
(function () {
  var de = document.documentElement, vw = window.innerWidth;
  var main = document.getElementById('wt-main').getBoundingClientRect();
  var over = [], minFont = 1000, minFontText = '';
  Array.prototype.forEach.call(document.body.querySelectorAll('*'), function (el) {
    if (el.tagName === 'SCRIPT' || el.getClientRects().length === 0) return;  // hidden
    var b = el.getBoundingClientRect();
    if (b.width > 0 && b.right > vw + 0.5) over.push(el.tagName + ' ' + Math.round(b.right) + ': ' + (el.textContent || '').trim().slice(0, 60));
    var ownText = Array.prototype.some.call(el.childNodes, function (n) { return n.nodeType === 3 && n.textContent.trim(); });
    var style = getComputedStyle(el);
    if (ownText && style.opacity !== '0' && parseFloat(style.fontSize) < minFont) {
      minFont = parseFloat(style.fontSize); minFontText = el.textContent.trim().slice(0, 40);
    }
  });
  var out = {scrollWidth: de.scrollWidth, innerWidth: vw, bodyScrollWidth: document.body.scrollWidth,
             mainWidth: main.width, mainLeft: main.left, mainRight: main.right, overflowing: over.slice(0, 10),
             minFont: minFont, minFontText: minFontText, links: document.links.length,
             text: document.body.innerText};
  parent.postMessage(JSON.stringify(out), '*');
})();
</script>
"""

# Headless Chromium will not make a window narrower than 500 px for --dump-dom, so the
# page is measured in an iframe of the exact size; the probe posts its findings to this
# wrapper, which writes them into its own DOM.
FRAME = """<!DOCTYPE html>
<html><head><meta charset="utf-8"></head>
<body style="margin:0">
<iframe src="{src}" width="{w}" height="{h}" style="border:0;display:block;width:{w}px;height:{h}px"></iframe>
<script>
window.addEventListener('message', function (e) {{
  var pre = document.createElement('pre');
  pre.id = 'wt-probe';
  pre.textContent = e.data;
  document.body.appendChild(pre);
}});
</script>
</body></html>
"""


def chromium(args: list[str], profile: Path) -> subprocess.Popen[str]:
    profile.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen([CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "HOME": str(profile)})


def finish(proc: subprocess.Popen[str], timeout: float = 40) -> str:
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail(f"chromium did not finish within {timeout}s: {proc.args}")
    assert proc.returncode == 0, f"chromium exited {proc.returncode}: {err[-2000:]}"
    return out


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    return struct.unpack(">II", data[16:24])


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    """Screenshots and measurements at both widths, the four Chromium runs in parallel."""
    tmp = tmp_path_factory.mktemp("browser")
    d = realistic_digest()
    html = render_digest(d).html
    page = tmp / "digest.html"
    page.write_text(html, encoding="utf-8")
    probed = tmp / "digest-probe.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")

    runs = {}
    for name, (w, h) in SIZES.items():
        shot = tmp / f"digest-{name}.png"
        runs[name, "shot"] = (shot, chromium([f"--screenshot={shot}", f"--window-size={w},{h}",
                                              page.as_uri()], tmp / f"profile-{name}-shot"))
        frame = tmp / f"frame-{name}.html"
        frame.write_text(FRAME.format(src=probed.name, w=w, h=h), encoding="utf-8")
        runs[name, "dom"] = (None, chromium([f"--window-size={max(w, 500) + 20},{h + 20}",
                                             "--virtual-time-budget=2000", "--dump-dom", frame.as_uri()],
                                            tmp / f"profile-{name}-dom"))
    results: dict[str, dict] = {name: {} for name in SIZES}
    for (name, what), (shot, proc) in runs.items():
        out = finish(proc)
        if what == "shot":
            assert shot.exists(), f"no screenshot at {name} width"
            results[name]["shot"] = shot
        else:
            m = re.search(r'<pre id="wt-probe"[^>]*>(.*?)</pre>', out, re.S)
            assert m, f"the probe did not run at {name} width: {out[-500:]}"
            results[name]["probe"] = json.loads(htmllib.unescape(m.group(1)))
    keep = os.environ.get("WATCHER_SCREENSHOTS_DIR")
    if keep:
        Path(keep).mkdir(parents=True, exist_ok=True)
        for name in SIZES:
            shutil.copy(results[name]["shot"], Path(keep) / f"digest-{name}.png")
    return d, results


def test_screenshots_are_taken_at_both_sizes(rendered):
    _, results = rendered
    for name, (w, h) in SIZES.items():
        shot = results[name]["shot"]
        assert png_size(shot) == (w, h)
        assert shot.stat().st_size > 20_000, f"{name} screenshot looks blank"


def test_no_horizontal_overflow_on_a_phone(rendered):
    _, results = rendered
    p = results["phone"]["probe"]
    assert p["innerWidth"] == 375
    assert p["scrollWidth"] <= p["innerWidth"], p["overflowing"]
    assert p["bodyScrollWidth"] <= p["innerWidth"]
    assert p["overflowing"] == []
    # The content column takes the phone's width, not a desktop's.
    assert 340 <= p["mainWidth"] <= 375


def test_content_column_is_narrow_and_centred_on_a_desktop(rendered):
    _, results = rendered
    p = results["desktop"]["probe"]
    assert p["innerWidth"] == 1280
    assert p["scrollWidth"] <= p["innerWidth"]
    assert 600 <= p["mainWidth"] <= 660
    assert abs(p["mainLeft"] - (p["innerWidth"] - p["mainRight"])) <= 2  # centred


def test_text_is_readable_and_intact_in_the_browser(rendered):
    d, results = rendered
    for name in SIZES:
        p = results[name]["probe"]
        assert p["minFont"] >= 14, (name, p["minFont"], p["minFontText"])
        text = " ".join(p["text"].split())
        for c in d.changes:
            assert " ".join(c.title.split()) in text, c.title
        assert XSS_TITLE in text  # shown as text, never run
        assert "Upcoming dates" in text and "Sources failing" in text
        # Links: every change or upcoming date with an http(s) URL, nothing else.
        expected = sum(1 for c in d.changes if c.url and c.url.startswith("http")) + sum(
            1 for u in d.upcoming if u.url)
        assert p["links"] == expected
