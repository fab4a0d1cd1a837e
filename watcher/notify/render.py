"""A `Digest` rendered for e-mail: subject, plain text and HTML (multipart/alternative twins).

Templates are Jinja2, looked up by name in, first, the channel's own `templates`
directory (so a user may override any one template and keep the others), then the
installed package's `watcher/templates` (wheels), then the repository's top-level
`templates/` (editable installs). Feed content is untrusted: the HTML environment
autoescapes everything, undefined variables are errors, and the `url` filter lets
only http(s) links through. Templates, bundled or the user's, render in Jinja2's
sandbox: one reaching for Python internals (`cycler.__init__.__globals__`) fails
with a `TemplateSecurityError` naming its file, and runs nothing.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import jinja2
import jinja2.sandbox

from watcher.errors import WatcherError
from watcher.notify.digest import Digest, jurisdiction_counts

HTML_TEMPLATE = "digest.html.j2"
TEXT_TEMPLATE = "digest.txt.j2"
SUBJECT_TEMPLATE = "subject.txt.j2"

PACKAGE_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"  # wheels: force-included
REPO_TEMPLATES = Path(__file__).resolve().parents[2] / "templates"  # editable installs

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")


class TemplateSecurityError(WatcherError):
    """A template tried what the sandbox forbids (Python internals, unsafe attributes)."""


@dataclass(frozen=True, slots=True)
class RenderedDigest:
    subject: str
    text: str
    html: str


def render_digest(digest: Digest, templates_dir: str | os.PathLike[str] | None = None) -> RenderedDigest:
    """Render `digest` with the bundled templates, or those of `templates_dir` where it has them."""
    html_env, text_env = environments(_key(templates_dir))
    context = template_context(digest)
    subject = " ".join(_render(text_env, SUBJECT_TEMPLATE, context).split())
    text = _render(text_env, TEXT_TEMPLATE, context)
    html = _render(html_env, HTML_TEMPLATE, context)
    return RenderedDigest(subject=subject or digest.subject, text=_tidy_text(text), html=html)


def _render(env: jinja2.Environment, name: str, context: dict[str, Any]) -> str:
    template = env.get_template(name)
    try:
        return template.render(context)
    except jinja2.sandbox.SecurityError as exc:
        raise TemplateSecurityError(
            f"template {template.filename or name} was stopped by the sandbox: {exc}; templates may use "
            "the variables and filters of templates/README.md, not Python internals") from None


def template_context(digest: Digest) -> dict[str, Any]:
    """Every variable a template sees (documented in templates/README.md)."""
    counts = jurisdiction_counts(digest.changes)
    return {
        "digest": digest,
        "subject": digest.subject,
        "channel_id": digest.channel_id,
        "generated_at": digest.generated_at,
        "instant": digest.instant,
        "changes": digest.changes,
        "groups": digest.groups,
        "upcoming": [] if digest.instant else digest.upcoming,
        "failing": [] if digest.instant else digest.failing,
        "total": len(digest.changes),
        "jurisdiction_counts": [(g.jurisdiction, g.count) for g in digest.groups] or sorted(counts.items()),
    }


def search_path(templates_dir: str | os.PathLike[str] | None = None) -> list[Path]:
    """The directories templates are looked up in, first match wins."""
    dirs: list[Path] = []
    if templates_dir is not None:
        user = Path(templates_dir).expanduser().resolve()
        if not user.is_dir():
            raise FileNotFoundError(f"templates directory {str(templates_dir)!r} does not exist")
        dirs.append(user)
    for builtin in (PACKAGE_TEMPLATES, REPO_TEMPLATES):
        if builtin.is_dir() and builtin.resolve() not in dirs:
            dirs.append(builtin.resolve())
    return dirs


def _key(templates_dir: str | os.PathLike[str] | None) -> str | None:
    return None if templates_dir is None else str(Path(templates_dir).expanduser().resolve())


@lru_cache(maxsize=32)
def environments(templates_dir: str | None) -> tuple[jinja2.Environment, jinja2.Environment]:
    """(HTML environment, text environment) for a search path, cached per directory."""
    loader = jinja2.FileSystemLoader([str(p) for p in search_path(templates_dir)], encoding="utf-8")
    common: dict[str, Any] = {
        "loader": loader,
        "undefined": jinja2.StrictUndefined,
        "trim_blocks": True,
        "lstrip_blocks": True,
        "keep_trailing_newline": True,
        # Compiling three small templates per digest costs milliseconds; not caching them
        # means an override file added while `watcher run` is up is used at once.
        "cache_size": 0,
    }
    html = jinja2.sandbox.SandboxedEnvironment(autoescape=True, **common)
    text = jinja2.sandbox.SandboxedEnvironment(autoescape=False, **common)
    for env in (html, text):
        env.filters.update(FILTERS)
    return html, text


# --- filters ---------------------------------------------------------------------------

def safe_url(value: Any) -> str:
    """`value` when it is an absolute http(s) URL with a host and no whitespace or control
    characters; "" otherwise (javascript:, data:, relative links, junk)."""
    if not isinstance(value, str):
        return ""
    url = value.strip()
    if not url or _CONTROL.search(url):
        return ""
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return ""
    return url


def format_date(value: Any) -> str:
    """A date for people: `22 Jan 2026`; a stored partial date keeps its precision
    (`2026-01` is `Jan 2026`, `2027` stays `2027`); datetimes give their date."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        value = value.date()
    if isinstance(value, date):
        return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"
    text = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", text)
    if not m:
        return text
    year, month, day = m.group(1), m.group(2), m.group(3)
    if month and 1 <= int(month) <= 12:
        if day:
            return f"{int(day)} {_MONTHS[int(month) - 1]} {year}"
        return f"{_MONTHS[int(month) - 1]} {year}"
    return year


def format_datetime(value: Any) -> str:
    """`22 Jan 2026 08:00 UTC` (naive datetimes are taken as UTC, as the store keeps them)."""
    if not isinstance(value, datetime):
        return format_date(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    value = value.astimezone(UTC)
    return f"{format_date(value)} {value:%H:%M} UTC"


def one_line(value: Any) -> str:
    """Whitespace (newlines from feeds included) collapsed to single spaces."""
    return " ".join(str(value or "").split())


def shorten(value: Any, limit: int = 400) -> str:
    """At most `limit` characters, cut at a word boundary where there is one, with an ellipsis."""
    text = one_line(value)
    if len(text) <= limit:
        return text
    cut = text[:limit]
    space = cut.rfind(" ")
    if text[limit] != " " and (space > limit * 0.6 or "://" in cut[space + 1:]):
        cut = cut[:space] if space > 0 else cut  # never leave half a URL to be linked
    return cut.rstrip(" ,;:.—-") + "…"


def _width(ch: str) -> int:
    return 2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1


def _segments(text: str) -> list[tuple[str, bool]]:
    """(segment, preceded by a space) pairs: whitespace-separated words, with each Chinese
    or Japanese character its own segment so a line may break between them (Korean
    separates words with spaces and keeps them whole). Closing punctuation (。、」) stays
    with the character before it, opening punctuation (「（) with the one after it."""
    out: list[tuple[str, bool]] = []
    for word in text.split():
        spaced, run = True, ""
        for ch in word:
            breakable = _breaks_around(ch)
            closing = unicodedata.category(ch) in ("Po", "Pe", "Pf")
            opening_run = len(run) == 1 and unicodedata.category(run) in ("Ps", "Pi")
            if run and not opening_run and (
                (breakable and not closing) or (not breakable and _breaks_around(run[-1]))
            ):
                out.append((run, spaced))
                spaced, run = False, ""
            run += ch
        if run:
            out.append((run, spaced))
    return out


def _breaks_around(ch: str) -> bool:
    """Wide characters other than Hangul: a line may break before and after them."""
    return _width(ch) == 2 and not ("\uac00" <= ch <= "\ud7a3" or "\u1100" <= ch <= "\u11ff"
                                    or "\u3130" <= ch <= "\u318f")


def wrap(value: Any, width: int = 78, indent: str = "", first: str | None = None) -> str:
    """`value` on lines of at most `width` display columns (CJK characters count two and
    lines may break between them), the first line starting with `first` (default
    `indent`), the others with `indent`. Words longer than a line (URLs) stay whole."""
    lead = indent if first is None else first
    lines: list[str] = []
    line, cols, fresh = lead, _cols(lead), True
    for seg, spaced in _segments(one_line(value)):
        sep = " " if spaced and not fresh else ""
        if not fresh and cols + len(sep) + _cols(seg) > width:
            lines.append(line.rstrip())
            line, cols, sep = indent, _cols(indent), ""
        line += sep + seg
        cols += len(sep) + _cols(seg)
        fresh = False
    lines.append(line.rstrip())
    return "\n".join(lines)


def _cols(text: str) -> int:
    return sum(map(_width, text))


def date_kind(value: Any) -> str:
    """`effective` -> `Effective`, `deadline` -> `Deadline`."""
    return str(value or "").replace("-", " ").capitalize()


def key_dates(dates: Any) -> str:
    """A change's dates on one line: `Effective 22 Jan 2026; Deadline Mar 2026`."""
    return "; ".join(f"{date_kind(d.get('kind'))} {format_date(d.get('date'))}".strip()
                     for d in (dates or []) if isinstance(d, dict))


def text_lang(value: Any) -> str:
    """`ko`, `ja` or `zh` when `value` is written in that script (Hangul; kana; Han without
    kana), else "": templates put it in a `lang` attribute so that browsers pick the right
    glyphs for Han characters and keep Korean words whole."""
    text = str(value or "")
    if any("\uac00" <= ch <= "\ud7a3" for ch in text):
        return "ko"
    if any("\u3040" <= ch <= "\u30ff" for ch in text):
        return "ja"
    if any("\u4e00" <= ch <= "\u9fff" for ch in text):
        return "zh"
    return ""


def jurisdiction_list(value: Any) -> str:
    return ", ".join(str(v) for v in (value or [])) or "—"


FILTERS = {
    "url": safe_url,
    "date": format_date,
    "datetime": format_datetime,
    "one_line": one_line,
    "shorten": shorten,
    "wrap": wrap,
    "jurisdiction_list": jurisdiction_list,
    "date_kind": date_kind,
    "text_lang": text_lang,
    "key_dates": key_dates,
}


def _tidy_text(text: str) -> str:
    """Trailing spaces dropped (but for the signature separator "-- "), runs of blank lines folded to one, one final newline."""
    lines = [line if line == "-- " else line.rstrip() for line in text.splitlines()]  # "-- ": signature
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out) + "\n"
