"""Config stage: load `sources.yaml` into typed, validated objects.

Every fault is collected (not just the first) and reported with the file, the
source or channel id and the key, as `ConfigError` (exit 2). Loading never
touches the store or the network.
"""

from __future__ import annotations

import difflib
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from watcher import __version__, jurisdictions
from watcher.cache import cache_path, read_json, write_json
from watcher.durations import parse_duration
from watcher.errors import ConfigError, ConfigProblem
from watcher.secrets import mask_secrets
from watcher.sources import Key
from watcher.vocabulary import TAGS

DEFAULT_INTERVAL = 6 * 3600.0
DEFAULT_TIMEOUT = 30.0
DEFAULT_EVIDENCE_RETENTION = 365 * 86400.0
MAX_DURATION = 100 * 365 * 86400.0  # a century: any longer and dates computed from it overflow
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_ENV = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


@dataclass(frozen=True, slots=True)
class SourceConfig:
    """One configured source. `options` holds the type-specific keys, already validated.

    `url` is the URL as configured, any `${VAR}` left unexpanded: what is stored,
    shown and used as the base of links. `fetch_url` (the same when there is no
    `${VAR}`) has the values substituted and is for fetching only; `secrets` are
    the values substituted into this source (its URL and headers), for
    `watcher.secrets.mask_secrets`."""

    id: str
    name: str
    type: str
    url: str
    jurisdictions: tuple[str, ...]
    interval: float = DEFAULT_INTERVAL
    timeout: float = DEFAULT_TIMEOUT
    relevance: str = "ai"  # "ai": hide items classified not relevant; "all": keep everything
    encoding: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    evidence_retention: float = DEFAULT_EVIDENCE_RETENTION
    options: Mapping[str, Any] = field(default_factory=dict)
    fetch_url: str = ""  # "" means `url`
    secrets: tuple[str, ...] = ()
    private_redirects: bool = False

    def __post_init__(self) -> None:
        if not self.fetch_url:
            object.__setattr__(self, "fetch_url", self.url)


@dataclass(frozen=True, slots=True)
class ChannelFilter:
    jurisdictions: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ChannelConfig:
    id: str
    type: str
    mode: str = "digest"  # "digest" (on `schedule`) or "instant" (after each poll)
    schedule: str = "0 8 * * *"
    timezone: str = "UTC"
    filter: ChannelFilter = ChannelFilter()
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class PublishConfig:
    """`publish:`: what `watcher run` regenerates into `dir` after each poll that
    recorded changes. A file name of None means that output is off."""

    dir: Path
    calendar: str | None = "calendar.ics"
    feed: str | None = "changes.atom"
    report: str | None = "report"  # a directory: report/index.html
    filter: ChannelFilter = ChannelFilter()


@dataclass(frozen=True, slots=True)
class Config:
    path: Path
    sources: tuple[SourceConfig, ...]
    channels: tuple[ChannelConfig, ...] = ()
    publish: PublishConfig | None = None
    # Values substituted from ${VAR}: treated as secrets, blanked in every log line.
    substituted: tuple[str, ...] = ()

    def source(self, source_id: str) -> SourceConfig:
        for s in self.sources:
            if s.id == source_id:
                return s
        raise KeyError(source_id)


# Keys every source accepts, whatever its type. Type-specific keys are declared
# by the `SourceType` subclasses in watcher/sources/.
SOURCE_KEYS: dict[str, Key] = {
    "id": Key(str, "unique id: lower case letters, digits and '-'", required=True),
    "name": Key(str, "human-readable name (default: the id)"),
    "jurisdiction": Key((str, list), "a code or list of codes (VOCABULARY.md)", required=True),
    "type": Key(str, "feed | page-list | page | json", required=True),
    "url": Key(str, "http(s) URL to poll", required=True),
    "interval": Key(str, "how often to poll: 90s, 15m, 6h, 1d (default 6h)"),
    "timeout": Key(str, "whole-request time limit (default 30s)"),
    "relevance": Key(str, "ai (default): keep only items classified relevant; all: keep everything"),
    "encoding": Key(str, "force a character encoding (e.g. euc-kr) when the site mislabels it"),
    "headers": Key(dict, "extra HTTP request headers, e.g. {Referer: ...}; sent to the URL's own origin only"),
    "private_redirects": Key(bool, "true: follow redirects to loopback, private or link-local addresses "
                                   "on another origin (default false: refused)"),
    "evidence_retention": Key(str, "how long to keep the fetched text behind each change (default 365d)"),
}
CHANNEL_KEYS: dict[str, Key] = {
    "id": Key(str, "unique id: lower case letters, digits and '-'", required=True),
    "type": Key(str, "email | slack | webhook | apprise", required=True),
    "mode": Key(str, "digest (default): on `schedule`; instant: after each poll"),
    "schedule": Key(str, "cron expression for digests (default '0 8 * * *')"),
    "timezone": Key(str, "IANA time zone of `schedule` (default UTC)"),
    "filter": Key(dict, "{jurisdictions: [...], tags: [...]}: what this channel is sent"),
}
DEFAULTS_KEYS = ("interval", "timeout", "relevance", "evidence_retention")
_OUTPUT = "a file name inside `dir`, or false for none"
PUBLISH_KEYS: dict[str, Key] = {
    "dir": Key(str, "directory `watcher run` writes the published files into (created if missing)", required=True),
    "calendar": Key((str, bool), f"the iCalendar file (default calendar.ics): {_OUTPUT}"),
    "feed": Key((str, bool), f"the Atom feed (default changes.atom): {_OUTPUT}"),
    "report": Key((str, bool), "the HTML report's directory (default report, holding index.html), or false for none"),
    "filter": Key(dict, "{jurisdictions: [...], tags: [...]}: what is published (default everything relevant)"),
}
TOP_LEVEL_KEYS = ("defaults", "sources", "channels", "publish")


def config_path(explicit: str | os.PathLike[str] | None = None) -> Path:
    """Where the configuration is: `explicit`, else $WATCHER_CONFIG, else ./sources.yaml."""
    if explicit:
        return Path(explicit)
    return Path(os.environ.get("WATCHER_CONFIG") or "sources.yaml")


def load_config(path: str | os.PathLike[str] | None = None, env: Mapping[str, str] | None = None) -> Config:
    """Read and validate the configuration. Raises `ConfigError` listing every fault."""
    file = config_path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(str(file), "", "", "file not found (use --config PATH or WATCHER_CONFIG)")]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError([ConfigProblem(str(file), "", "", f"cannot read: {exc}")]) from None
    return parse_config(text, file, os.environ if env is None else env)


def parse_config(text: str, file: Path, env: Mapping[str, str]) -> Config:
    """Validate the YAML `text` of `file`, substituting ${VAR} from `env`."""
    try:
        return _parse_config(text, file, env)
    except RecursionError:
        raise ConfigError([ConfigProblem(str(file), "", "", "nested too deeply (or an alias that contains "
                                          "itself): not a configuration")]) from None


def _parse_config(text: str, file: Path, env: Mapping[str, str]) -> Config:
    v = _Validator(str(file), env)
    try:
        data = _load_yaml(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise ConfigError([_redacted(ConfigProblem(str(file), where, "", f"not valid YAML: {problem}"), [])]) from None
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise ConfigError([ConfigProblem(str(file), "", "", "the top level must be a mapping with 'sources:'")])
    config = v.config(data, file)
    if v.problems:
        raise ConfigError([_redacted(p, v.substituted) for p in v.problems])
    return config


def _redacted(problem: ConfigProblem, secrets: list[str]) -> ConfigProblem:
    """A problem whose message quotes a value substituted from ${VAR}: the value is a
    secret as far as watcher knows, so the message shows *** instead."""
    message = mask_secrets(problem.message, secrets)
    return ConfigProblem(problem.file, _printable(problem.where), _printable(problem.key), _printable(message))


def _printable(text: str) -> str:
    """`text` with control and other unprintable characters escaped (\\x1b, \\u2028): a
    message quoting the file must stay one line and must not drive the terminal."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)


# A configuration this long (about 100 sources) is parsed once: its YAML's result is
# kept, keyed by the text's SHA-256, in the cache directory (`watcher.cache`), and
# later runs read it back as JSON: 2,000 sources' YAML costs ~50 ms of CPU to parse,
# the JSON 1 ms. Below it the parse is quicker than the lookup. Validation, ${VAR}
# substitution included, runs every time on what was read.
YAML_CACHE_MIN_CHARS = 16_384


def _load_yaml(text: str) -> Any:
    """`text` as the strict loader reads it; a long text's result comes from the cache
    when an earlier run parsed the same text (see YAML_CACHE_MIN_CHARS)."""
    path = cache_path("config", __version__, yaml.__version__, text) if len(text) >= YAML_CACHE_MIN_CHARS else None
    if path is not None and (cached := read_json(path)) is not None:
        return cached
    data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    if path is not None and _json_exact(data):
        write_json(path, data)
    return data


def _json_exact(value: Any) -> bool:
    """True when JSON gives `value` back as it is: dicts with string keys, lists,
    strings, numbers, booleans and None (a YAML date or set stays uncached)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _json_exact(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_json_exact(v) for v in value)
    return value is None or isinstance(value, str | int | float)  # bool is an int


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml when present: ~10x faster
    """SafeLoader that rejects a key written twice in one mapping (PyYAML keeps the last silently)."""


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if not isinstance(key, str | int):
            continue  # an unhashable key (a list): construct_mapping below reports it
        if key in seen:
            owner = _mapping_id(node)
            raise yaml.constructor.ConstructorError(
                None, None, f"key '{key}' is written twice in one mapping" + (f" (the one with id '{owner}')" if owner else ""),
                key_node.start_mark,
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


def _mapping_id(node: yaml.MappingNode) -> str | None:
    """The scalar `id:` of a mapping node, to name the source or channel a YAML fault is in."""
    for key_node, value_node in node.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == "id" and isinstance(value_node, yaml.ScalarNode):
            return value_node.value
    return None


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class _Validator:
    def __init__(self, file: str, env: Mapping[str, str]):
        self.file = file
        self.env = env
        self.problems: list[ConfigProblem] = []
        self.substituted: list[str] = []

    def problem(self, where: str, key: str, message: str) -> None:
        self.problems.append(ConfigProblem(self.file, where, key, message))

    # -- the file ---------------------------------------------------------

    def config(self, data: dict, file: Path) -> Config:
        for key in data:
            if key not in TOP_LEVEL_KEYS:
                self.problem("", str(key), "unknown top-level key" + _suggest(key, TOP_LEVEL_KEYS))
        defaults = self.defaults(data.get("defaults") or {})
        raw_sources = data.get("sources")
        if raw_sources is None:
            self.problem("", "sources", "missing: list the sources to watch under 'sources:'")
            raw_sources = []
        elif not isinstance(raw_sources, list):
            self.problem("", "sources", "must be a list of sources")
            raw_sources = []
        sources = [s for i, raw in enumerate(raw_sources) if (s := self.source(i, raw, defaults))]
        self.unique([s.id for s in sources], "source")
        raw_channels = data.get("channels") or []
        if not isinstance(raw_channels, list):
            self.problem("", "channels", "must be a list of channels")
            raw_channels = []
        channels = [c for i, raw in enumerate(raw_channels) if (c := self.channel(i, raw))]
        self.unique([c.id for c in channels], "channel")
        publish = self.publish(data["publish"], file) if data.get("publish") is not None else None
        return Config(path=file, sources=tuple(sources), channels=tuple(channels), publish=publish,
                      substituted=tuple(self.substituted))

    def publish(self, raw: Any, file: Path) -> PublishConfig | None:
        if not isinstance(raw, dict):
            self.problem("publish", "", "must be a mapping with dir (and calendar, feed, report, filter)")
            return None
        before = len(self.problems)
        values = self.keys(raw, PUBLISH_KEYS, "publish")
        names: dict[str, str | None] = {}
        for key, default in (("calendar", "calendar.ics"), ("feed", "changes.atom"), ("report", "report")):
            value = values.get(key, True)
            name = default if value is True else None if value is False else str(value)
            if name is not None and (not name.strip() or "/" in name or "\\" in name or name in (".", "..")):
                self.problem("publish", key, f"'{name}' must be a plain file name inside `dir` (or false for none)")
            names[key] = name
        flt = self.channel_filter(values.get("filter") or {}, "publish")
        if len(self.problems) > before or "dir" not in values:
            return None
        directory = Path(values["dir"]).expanduser()
        if not directory.is_absolute():
            directory = file.parent / directory  # relative to the configuration file
        return PublishConfig(dir=directory, calendar=names["calendar"], feed=names["feed"], report=names["report"],
                             filter=flt)

    def unique(self, ids: list[str], what: str) -> None:
        seen: set[str] = set()
        for ident in ids:
            if ident in seen:
                self.problem(f"{what} '{ident}'", "id", f"duplicate id: another {what} already uses '{ident}'")
            seen.add(ident)

    def defaults(self, raw: Any) -> dict[str, Any]:
        if not isinstance(raw, dict):
            self.problem("defaults", "", "must be a mapping of interval, timeout, relevance, evidence_retention")
            return {}
        out: dict[str, Any] = {}
        for key, value in raw.items():
            if key not in DEFAULTS_KEYS:
                self.problem("defaults", str(key), "unknown key" + _suggest(key, DEFAULTS_KEYS))
                continue
            value = self.expand(value, "defaults", key)
            if key in ("interval", "timeout", "evidence_retention"):
                out[key] = self.duration(value, "defaults", key)
            elif key == "relevance":
                out[key] = self.relevance(value, "defaults")
        return out

    # -- sources ----------------------------------------------------------

    def entry(self, what: str, index: int, raw: Any, types: dict[str, Any], common: dict[str, Key],
              needs: str) -> tuple[str, Any, dict[str, Any]] | None:
        """The part sources and channels share: a mapping with an id and a registered
        type whose declared keys (with the common ones) are checked. Returns
        (where, the type's class or None, the good values), or None for a non-mapping."""
        if not isinstance(raw, dict):
            self.problem(f"{what} #{index + 1}", "", f"must be a mapping with {needs}")
            return None
        ident = raw.get("id")
        where = f"{what} '{ident}'" if isinstance(ident, str) and ident else f"{what} #{index + 1}"
        kind = types.get(raw.get("type")) if isinstance(raw.get("type"), str) else None
        values = self.keys(raw, {**common, **(kind.keys if kind else {})}, where)
        if "type" in values and kind is None:
            self.problem(where, "type", f"unknown type '{values['type']}'" + _suggest(values["type"], types) + f"; one of: {', '.join(types)}")
        if "id" in values and not _ID.match(values["id"]):
            self.problem(where, "id", f"'{values['id']}' must be lower case letters, digits and '-'")
        return where, kind, values

    def source(self, index: int, raw: Any, defaults: dict[str, Any]) -> SourceConfig | None:
        from watcher.sources import source_types

        before, substituted_before = len(self.problems), len(self.substituted)
        checked = self.entry("source", index, raw, source_types(), SOURCE_KEYS, "id, type, url, jurisdiction")
        if checked is None:
            return None
        where, kind, values = checked
        if "url" in values:
            self.url(values["url"], where, "url")
        codes = self.jurisdictions(values.get("jurisdiction"), where, "jurisdiction")
        interval = self.duration(values["interval"], where, "interval") if "interval" in values else defaults.get("interval", DEFAULT_INTERVAL)
        timeout = self.duration(values["timeout"], where, "timeout") if "timeout" in values else defaults.get("timeout", DEFAULT_TIMEOUT)
        relevance = self.relevance(values["relevance"], where) if "relevance" in values else defaults.get("relevance", "ai")
        retention = (self.duration(values["evidence_retention"], where, "evidence_retention") if "evidence_retention" in values
                     else defaults.get("evidence_retention", DEFAULT_EVIDENCE_RETENTION))
        encoding = values.get("encoding")
        if encoding is not None:
            import codecs

            try:
                codecs.lookup(encoding)
            except LookupError:
                self.problem(where, "encoding", f"unknown encoding '{encoding}' (e.g. utf-8, euc-kr, shift_jis, big5, gb18030)")
        headers = values.get("headers") or {}
        if not all(isinstance(k, str) and isinstance(h, str) for k, h in headers.items()):
            self.problem(where, "headers", "must map header names to string values")
        if len(self.problems) > before or kind is None:
            return None
        options = {k: values[k] for k in kind.keys if k in values}
        if hasattr(kind, "validate_options"):
            for key, message in kind.validate_options(options):
                self.problem(where, key, message)
            if len(self.problems) > before:
                return None
        return SourceConfig(
            id=values["id"],
            name=values.get("name") or values["id"],
            type=kind.name,
            url=raw["url"],  # as configured: `${VAR}` unexpanded
            jurisdictions=codes,
            interval=interval,
            timeout=timeout,
            relevance=relevance,
            encoding=encoding,
            headers=headers,
            evidence_retention=retention,
            options=options,
            fetch_url=values["url"],
            secrets=tuple(dict.fromkeys(self.substituted[substituted_before:])),
            private_redirects=values.get("private_redirects", False),
        )

    # -- channels ---------------------------------------------------------

    def channel(self, index: int, raw: Any) -> ChannelConfig | None:
        from watcher.notify import channel_types

        before = len(self.problems)
        checked = self.entry("channel", index, raw, channel_types(), CHANNEL_KEYS, "id and type")
        if checked is None:
            return None
        where, kind, values = checked
        mode = values.get("mode", "digest")
        if mode not in ("digest", "instant"):
            self.problem(where, "mode", f"'{mode}' must be 'digest' or 'instant'")
        timezone = values.get("timezone", "UTC")
        self.timezone(timezone, where)
        schedule = values.get("schedule", "0 8 * * *")
        if "schedule" in values:
            self.cron(schedule, where)
        flt = self.channel_filter(values.get("filter") or {}, where)
        if len(self.problems) > before or kind is None:
            return None
        return ChannelConfig(
            id=values["id"],
            type=kind.name,
            mode=mode,
            schedule=schedule,
            timezone=timezone,
            filter=flt,
            options={k: values[k] for k in kind.keys if k in values},
        )

    def channel_filter(self, raw: dict, where: str) -> ChannelFilter:
        unknown = set(raw) - {"jurisdictions", "tags"}
        for key in unknown:
            self.problem(where, f"filter.{key}", "unknown key" + _suggest(key, ["jurisdictions", "tags"]))
        codes = self.jurisdictions(raw.get("jurisdictions"), where, "filter.jurisdictions", required=False)
        tags = raw.get("tags") or []
        if isinstance(tags, str):
            tags = [tags]
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            self.problem(where, "filter.tags", "must be a tag or a list of tags")
            tags = []
        for tag in tags:
            if tag not in TAGS:
                self.problem(where, "filter.tags", f"unknown tag '{tag}'" + _suggest(tag, TAGS) + f"; tags are: {', '.join(TAGS)}")
        return ChannelFilter(jurisdictions=codes, tags=tuple(tags))

    # -- values -----------------------------------------------------------

    def keys(self, raw: dict, allowed: dict[str, Key], where: str) -> dict[str, Any]:
        """Check presence and type of each key, expand ${VAR}; return the good values."""
        values: dict[str, Any] = {}
        for key, value in raw.items():
            spec = allowed.get(key)
            if spec is None:
                self.problem(where, str(key), "unknown key" + _suggest(key, allowed))
                continue
            value = self.expand(value, where, key)
            if value is None:
                continue
            accepted = spec.type if isinstance(spec.type, tuple) else (spec.type,)
            if not isinstance(value, accepted) or isinstance(value, bool) and bool not in accepted:
                self.problem(where, key, f"must be {_type_name(spec.type)}, not {type(value).__name__}")
                continue
            if spec.check and (message := spec.check(value)):
                self.problem(where, key, message)
                continue
            values[key] = value
        for key, spec in allowed.items():
            if spec.required and raw.get(key) is None:  # absent, or written empty (`url:`)
                self.problem(where, key, f"missing required key ({spec.help})")
        return values

    def expand(self, value: Any, where: str, key: str) -> Any:
        """Replace ${NAME} in every string inside `value` by the environment's value."""
        if isinstance(value, str):
            def sub(m: re.Match[str]) -> str:
                name = m.group(1)
                if name not in self.env:
                    self.problem(where, key, f"environment variable {name} is not set (referenced as ${{{name}}})")
                    return ""
                self.substituted.append(self.env[name])
                return self.env[name]

            return _ENV.sub(sub, value) if "${" in value else value
        if isinstance(value, list):
            return [self.expand(v, where, key) for v in value]
        if isinstance(value, dict):
            return {k: self.expand(v, where, f"{key}.{k}") for k, v in value.items()}
        return value

    def duration(self, value: Any, where: str, key: str) -> float:
        try:
            seconds = parse_duration(value)
        except ValueError as exc:
            self.problem(where, key, str(exc))
            return DEFAULT_INTERVAL
        if not seconds <= MAX_DURATION:  # also inf: '999...9s' parses, then no date can be computed from it
            self.problem(where, key, f"'{value}' is too long; at most {MAX_DURATION // 86400:.0f}d")
            return DEFAULT_INTERVAL
        return seconds

    def relevance(self, value: Any, where: str) -> str:
        if value not in ("ai", "all"):
            self.problem(where, "relevance", f"'{value}' must be 'ai' or 'all'")
        return str(value)

    def url(self, value: str, where: str, key: str) -> None:
        from urllib.parse import urlsplit

        try:
            parts = urlsplit(value)
        except ValueError as exc:
            self.problem(where, key, f"'{value}' is not a URL: {exc}")
            return
        if parts.scheme not in ("http", "https"):
            self.problem(where, key, f"'{value}' must use http:// or https:// (got '{parts.scheme or 'no scheme'}')")
        elif not parts.hostname:
            self.problem(where, key, f"'{value}' has no host")

    def jurisdictions(self, value: Any, where: str, key: str, required: bool = True) -> tuple[str, ...]:
        if value is None:
            return ()
        codes = [value] if isinstance(value, str) else value
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            self.problem(where, key, "must be a code or a list of codes")
            return ()
        out = []
        for code in codes:
            norm = jurisdictions.normalise(code)
            if not jurisdictions.is_valid(norm):
                hint = " (use GB for the United Kingdom)" if norm == "UK" else ""
                hint = hint or (" (use US for federal)" if norm.startswith("US-FED") else "")
                self.problem(where, key, f"unknown jurisdiction code '{code}'{hint}; use ISO 3166-1 (KR), ISO 3166-2 (US-CO), EU, ASEAN or INTL")
            else:
                out.append(norm)
        if required and not codes:
            self.problem(where, key, "must name at least one jurisdiction")
        return tuple(dict.fromkeys(out))

    def timezone(self, name: Any, where: str) -> None:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(str(name))
        except (ZoneInfoNotFoundError, ValueError):
            self.problem(where, "timezone", f"unknown time zone '{name}' (use an IANA name such as Asia/Seoul or UTC)")

    def cron(self, expr: Any, where: str) -> None:
        fields = str(expr).split()
        if len(fields) != 5:
            self.problem(where, "schedule", f"'{expr}' must be a 5-field cron expression, e.g. '0 8 * * *'")
            return
        from watcher.cron import cron_trigger

        try:
            cron_trigger(str(expr))
        except (ValueError, TypeError) as exc:
            self.problem(where, "schedule", f"'{expr}' is not a valid cron expression: {exc}")


def _type_name(t: type | tuple[type, ...]) -> str:
    names = {str: "a string", list: "a list", dict: "a mapping", int: "a number", bool: "true or false"}
    types = t if isinstance(t, tuple) else (t,)
    return " or ".join(names.get(x, x.__name__) for x in types)


def _suggest(word: Any, choices: Any) -> str:
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""
