"""HTML helpers shared by the `page-list` and `page` source types.

selectolax (the lexbor engine) is the parser: on a 1.2 MB, 5,000-row listing it
parses and selects every row's link in 20 ms, against 32 ms for lxml with
cssselect (medians on the 2-core build machine, `python bench/bench_parse.py`),
and it is as forgiving of broken markup. The rest of a listing's parse time is
URL canonicalisation and date finding, not HTML.
"""

from __future__ import annotations

import functools
import re
from array import array
from typing import TYPE_CHECKING

from watcher.budget import MAX_HTML_DEPTH, MAX_ITEM_TEXT
from watcher.errors import ParseError
from watcher.text import html_to_text

if TYPE_CHECKING:
    from selectolax.lexbor import LexborHTMLParser, LexborNode

# Never part of a document's text: code, chrome around the content, widgets.
BOILERPLATE = (
    "script, style, noscript, template, iframe, object, embed, svg, canvas, form, button, select, "
    "nav, header, footer, aside, [role=navigation], [role=banner], [role=contentinfo], [aria-hidden=true], "
    "[class*=advert], [id*=advert], .ad, .ads, .banner, .breadcrumb, .cookie, #cookie-banner"
)
MAIN_CANDIDATES = ("main", "[role=main]", "article", "#content", "#contents", ".content", "#main", "body")


def parse_html(text: str) -> tuple[LexborHTMLParser, str | None]:
    """The document's tree, and a warning when elements nested past MAX_HTML_DEPTH
    were flattened first (`bound_depth`)."""
    from selectolax.lexbor import LexborHTMLParser

    text, removed = bound_depth(text)
    warning = None
    if removed:
        warning = (f"the HTML nests elements deeper than {MAX_HTML_DEPTH} levels; read with the tags past that "
                   f"depth dropped ({removed:,} tags), their text kept")
    return LexborHTMLParser(text), warning


def select(tree: LexborHTMLParser | LexborNode, selector: str) -> list[LexborNode]:
    """Nodes matching a CSS `selector`; a selector the engine rejects is a ParseError naming it."""
    try:
        return tree.css(selector)
    except Exception as exc:  # noqa: BLE001 - selectolax raises plain exceptions for bad selectors
        raise ParseError(f"CSS selector '{selector}' is not valid: {exc}") from None


def node_text(node: LexborNode) -> str:
    """A node's text with block elements on their own lines."""
    return html_to_text(node.html or "")


def strip_boilerplate(tree: LexborHTMLParser) -> None:
    for node in select(tree, BOILERPLATE):
        node.decompose()


def main_text(tree: LexborHTMLParser, selector: str | None = None) -> str:
    """The watched text of a document: the nodes matching `selector`, or else the
    main content (main/article/#content..., else body) without boilerplate."""
    strip_boilerplate(tree)
    if selector:
        nodes = select(tree, selector)
        if not nodes:
            raise ParseError(f"content selector '{selector}' matched nothing on the page")
        texts: list[str] = []
        size = 0
        for node in nodes:
            if size > MAX_ITEM_TEXT:  # kept no further; nodes nested in nodes would read the page again and again
                break
            texts.append(node_text(node))
            size += len(texts[-1])
        return "\n\n".join(texts)
    for candidate in MAIN_CANDIDATES:
        node = tree.css_first(candidate)
        if node is not None:
            text = node_text(node)
            if text:
                return text
    return ""


# -- nesting depth ---------------------------------------------------------------------------------
# The HTML tree builder (lexbor, as the HTML standard's algorithm) walks the stack of open
# elements for most tags ("is there a <p> in button scope?"), so a document nesting
# elements N deep costs N² (150,000 nested <div>: 76 s). `bound_depth` replays the tree
# builder's stack in one linear pass (the standard's implied closes and scopes, roughly)
# and drops the tags of elements past MAX_HTML_DEPTH, keeping their text. Where it is
# unsure it keeps elements open: it may overestimate the depth (and flatten a document
# that did not need it), never by design underestimate it. The worker's time limit
# (watcher.prepare) bounds whatever this model misses.

_TOKEN = re.compile(r"<(?:(!--)|(/?)([A-Za-z][^\t\n\f\r />]*))")


def _names(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


_VOID = _names("area base basefont bgsound br col embed frame hr image img input keygen link meta param source track wbr")
_RAW_TEXT = _names("script style textarea title xmp iframe noembed noframes")
_NO_STACK = _names("html head body")  # merged into the ones the tree builder already has
_SCOPE = _names("applet caption html table td th marquee object template")
_SPECIAL = _SCOPE | _names(
    "address article aside blockquote body button center dd details dialog dir div dl dt fieldset figcaption "
    "figure footer form frameset h1 h2 h3 h4 h5 h6 head header hgroup li listing main menu nav noscript ol p "
    "plaintext pre search section select summary tbody tfoot thead tr ul")
_CLOSES_P = _names(
    "address article aside blockquote center details dialog dir div dl fieldset figcaption figure footer header "
    "hgroup main menu nav ol p search section summary ul h1 h2 h3 h4 h5 h6 pre listing form li dd dt")
_HEADINGS = _names("h1 h2 h3 h4 h5 h6")
# Marks: the kinds of element whose position on the stack the scope checks need.
_SCOPE_MARK, _BUTTON_MARK, _SPECIAL_MARK, _ITEM_MARK, _TABLE_MARK, _LIST_MARK = range(6)


def _marks_of(name: str) -> tuple[int, ...]:
    marks = []
    if name in _SCOPE:
        marks += [_SCOPE_MARK, _BUTTON_MARK, _LIST_MARK]
    if name == "button":
        marks.append(_BUTTON_MARK)
    if name in ("ol", "ul"):
        marks.append(_LIST_MARK)
    if name in _SPECIAL:
        marks.append(_SPECIAL_MARK)
        if name not in ("address", "div", "p"):
            marks.append(_ITEM_MARK)  # where <li>, <dd>, <dt> stop looking for one to close
    if name in ("table", "template"):
        marks.append(_TABLE_MARK)
    return tuple(marks)


@functools.cache
def _end_tag(name: str) -> re.Pattern[str]:
    return re.compile(f"</{name}", re.I)


# The start tags that close open elements first, by rule (see `bound_depth`).
_CLOSING_RULE = {**dict.fromkeys(_CLOSES_P, 1), "li": 2, "dd": 3, "dt": 3, **dict.fromkeys(_HEADINGS, 4),
                 "td": 5, "th": 5, "tr": 6, "tbody": 7, "thead": 7, "tfoot": 7, "option": 8, "optgroup": 9,
                 "a": 10, "nobr": 10, "button": 11}
_TABLE_PARTS = {5: ("td", "th"), 6: ("tr",), 7: ("tr", "tbody", "thead", "tfoot")}
# Below this many tags a document cannot nest deep enough to cost the tree builder much
# (10,000 nested elements: ~0.2 s), and is not scanned.
_SCAN_FROM_TAGS = 10_000


def bound_depth(text: str, limit: int = MAX_HTML_DEPTH) -> tuple[str, int]:
    """`text` with the tags of elements nested deeper than `limit` removed (their text
    kept), and how many tags were removed (0: `text` itself is returned)."""
    if text.count("<") <= max(limit, _SCAN_FROM_TAGS):
        return text, 0
    stack: list[str] = []
    where: dict[str, list[int]] = {}  # name -> its positions on the stack
    marks: list[list[int]] = [[-1] for _ in range(6)]  # positions of each kind of mark; -1: none
    scope, button, special, item, table, listing = marks
    marks_of: dict[str, tuple[list[int], ...]] = {}
    dropped: list[str] = []  # elements past the limit, innermost last
    dropped_count: dict[str, int] = {}
    cut = array("q")  # where each tag removed starts and ends, in turn (16 bytes a tag, not a tuple's 100)
    none = [-1]

    def pop_to(index: int) -> None:
        if index < len(stack) and dropped:  # the elements past the limit were inside: closed with it
            dropped.clear()
            dropped_count.clear()
        while len(stack) > index:
            name = stack.pop()
            where[name].pop()
            for found in marks_of[name]:
                found.pop()

    search, find, rule_of = _TOKEN.search, text.find, _CLOSING_RULE.get
    pos = 0
    while (m := search(text, pos)) is not None:
        comment, closing, name = m.groups()
        if comment:  # to its end, or to the end of the document
            end = find("-->", m.end())
            if end < 0:
                break
            pos = end + 3
            continue
        gt = find(">", m.end())
        if gt < 0:
            break
        start, pos = m.start(), gt + 1
        name = name.lower()
        if name in _NO_STACK or name in _VOID:
            continue
        if closing:
            if stack and stack[-1] == name and not dropped:  # the common case: it closes the current element
                stack.pop()
                where[name].pop()
                for found in marks_of[name]:
                    found.pop()
                continue
            if dropped_count.get(name):
                while True:
                    gone = dropped.pop()
                    dropped_count[gone] -= 1
                    if gone == name:
                        break
                cut.extend((start, pos))
                continue
            at = (where.get(name) or none)[-1]
            if at < 0:
                continue
            if name == "p":
                closes = at > button[-1]
            elif name == "li":
                closes = at > listing[-1]
            elif name in _SPECIAL:
                closes = at >= scope[-1]
            else:  # closes only with no special element inside it (else the tree builder may keep it open)
                closes = at > special[-1]
            if closes:
                pop_to(at)
            continue
        if name in _RAW_TEXT:  # its text holds no tags: on to its end tag
            closer = _end_tag(name).search(text, pos)
            if closer is None:
                break
            pos = closer.start()
            continue
        if name == "plaintext":
            break
        rule = rule_of(name)
        if rule:  # the implied closes of the tree builder
            if rule in (2, 3):  # li; dd, dt: an open one, unless a special element other than address/div/p is inside
                at = item[-1]
                if at >= 0 and (stack[at] == name or (rule == 3 and stack[at] in ("dd", "dt"))):
                    pop_to(at)
            if rule <= 4 and (at := (where.get("p") or none)[-1]) > button[-1]:
                pop_to(at)
            if rule == 4 and stack and stack[-1] in _HEADINGS:
                pop_to(len(stack) - 1)
            elif rule in (5, 6, 7):  # a cell, row or row group closes the open one of its table
                at = -1
                for part in _TABLE_PARTS[rule]:
                    at = max(at, (where.get(part) or none)[-1])
                if at > table[-1]:
                    pop_to(at)
            elif rule in (8, 9):
                if stack and stack[-1] == "option":
                    pop_to(len(stack) - 1)
                if rule == 9 and stack and stack[-1] == "optgroup":
                    pop_to(len(stack) - 1)
            elif rule in (10, 11) and (at := (where.get(name) or none)[-1]) > (scope if rule == 11 else special)[-1]:
                pop_to(at)  # a, nobr: an open one with no special element inside; button: one in scope
        if text[gt - 1] == "/" and (where.get("svg") or where.get("math")):
            continue  # a self-closing element of SVG or MathML
        if len(stack) >= limit or dropped:
            dropped.append(name)
            dropped_count[name] = dropped_count.get(name, 0) + 1
            cut.extend((start, pos))
            continue
        kinds = marks_of.get(name)
        if kinds is None:
            kinds = marks_of[name] = tuple(marks[k] for k in _marks_of(name))
        for found in kinds:
            found.append(len(stack))
        positions = where.get(name)
        if positions is None:
            positions = where[name] = []
        positions.append(len(stack))
        stack.append(name)
    if not cut:
        return text, 0
    kept = [text[0:cut[0]]]
    kept += [text[cut[i]:cut[i + 1]] for i in range(1, len(cut) - 1, 2)]
    kept.append(text[cut[-1]:])
    return "".join(kept), len(cut) // 2
