"""Every configuration fault: exit 2 from `check-config`, a message naming the
file, the source or channel id and the key, and nothing written to the store."""

from __future__ import annotations

import textwrap

import pytest
from conftest import Cli, Workdir

from watcher.config import load_config
from watcher.errors import ConfigError

GOOD = """\
  - id: good-one
    name: A good source
    jurisdiction: KR
    type: feed
    url: https://example.org/feed.xml
"""


def config_with(bad_source: str = "", channels: str = "", head: str = "") -> str:
    text = head + "sources:\n" + GOOD + textwrap.indent(textwrap.dedent(bad_source), "  ")
    if channels:
        text += "channels:\n" + textwrap.indent(textwrap.dedent(channels), "  ")
    return text


def src(extra: str, *, id: str = "bad-src", drop: str = "", **over: str) -> str:
    fields = {"id": id, "jurisdiction": "EU", "type": "feed", "url": "https://example.org/b.xml", **over}
    lines = [f"- {k}: {v}" if i == 0 else f"  {k}: {v}" for i, (k, v) in enumerate(
        (k, v) for k, v in fields.items() if k != drop)]
    return "\n".join(lines) + "\n" + textwrap.indent(textwrap.dedent(extra), "  ")


SLACK = "- id: slack-asia\n  type: slack\n  url: https://hooks.example.org/x\n"

# (test id, sources.yaml text, fragments the stderr must hold besides the file name)
CASES = [
    ("unknown-key", config_with(src("intreval: 1h\n")),
     ["source 'bad-src'", "key 'intreval'", "did you mean 'interval'"]),
    ("unknown-defaults-key", config_with(head="defaults:\n  timout: 5s\n"),
     ["defaults", "key 'timout'", "did you mean 'timeout'"]),
    ("unknown-top-level-key", config_with() + "sorces: []\n", ["key 'sorces'", "did you mean 'sources'"]),
    ("bad-duration", config_with(src("interval: 5 minutes\n")),
     ["source 'bad-src'", "key 'interval'", "'5 minutes' is not a duration"]),
    ("bad-timeout", config_with(src("timeout: 0s\n")), ["source 'bad-src'", "key 'timeout'", "longer than zero"]),
    ("duplicate-id", config_with(src("", id="good-one")), ["source 'good-one'", "key 'id'", "duplicate id"]),
    ("bad-id", config_with(src("", id="Bad_Id")), ["source 'Bad_Id'", "key 'id'", "lower case"]),
    ("ftp-url", config_with(src("", url="ftp://example.org/feed.xml")),
     ["source 'bad-src'", "key 'url'", "ftp://example.org/feed.xml", "http:// or https://"]),
    ("file-url", config_with(src("", url="file:///etc/passwd")),
     ["source 'bad-src'", "key 'url'", "file:///etc/passwd", "http:// or https://"]),
    ("no-host-url", config_with(src("", url="'https:///feed.xml'")), ["source 'bad-src'", "key 'url'", "no host"]),
    ("unknown-jurisdiction", config_with(src("", jurisdiction="XX")),
     ["source 'bad-src'", "key 'jurisdiction'", "unknown jurisdiction code 'XX'"]),
    ("uk-means-gb", config_with(src("", jurisdiction="UK")),
     ["source 'bad-src'", "key 'jurisdiction'", "'UK'", "GB"]),
    ("unknown-us-state", config_with(src("", jurisdiction="[US, US-ZZ]")),
     ["source 'bad-src'", "key 'jurisdiction'", "'US-ZZ'"]),
    ("unset-var", config_with(src("", url="https://${WATCHER_TEST_SURELY_UNSET}/feed.xml")),
     ["source 'bad-src'", "key 'url'", "WATCHER_TEST_SURELY_UNSET", "not set"]),
    ("missing-required", config_with(src("", drop="url")), ["source 'bad-src'", "key 'url'", "missing required key"]),
    ("missing-jurisdiction", config_with(src("", drop="jurisdiction")),
     ["source 'bad-src'", "key 'jurisdiction'", "missing required key"]),
    ("unknown-type", config_with(src("", type="rss")),
     ["source 'bad-src'", "key 'type'", "unknown type 'rss'", "feed"]),
    ("bad-relevance", config_with(src("relevance: some\n")), ["source 'bad-src'", "key 'relevance'", "'some'"]),
    ("bad-encoding", config_with(src("encoding: klingon-8\n")), ["source 'bad-src'", "key 'encoding'", "klingon-8"]),
    ("wrong-value-type", config_with(src("headers: just-a-string\n")),
     ["source 'bad-src'", "key 'headers'", "must be a mapping"]),
    ("invalid-yaml", "sources:\n  - id: x\n    url: [unclosed\n", ["not valid YAML", "line "]),
    ("duplicate-yaml-key", config_with(src("url: https://example.org/again.xml\n")),
     ["'bad-src'", "key 'url' is written twice", "line 11"]),
    ("channel-bad-filter-tag", config_with(channels=SLACK + "  filter: {jurisdictions: [KR], tags: [delays]}\n"),
     ["channel 'slack-asia'", "key 'filter.tags'", "unknown tag 'delays'", "did you mean 'delay'"]),
    ("channel-bad-filter-jurisdiction", config_with(channels=SLACK + "  filter: {jurisdictions: [UK]}\n"),
     ["channel 'slack-asia'", "key 'filter.jurisdictions'", "GB"]),
    ("channel-bad-timezone", config_with(channels=SLACK + "  timezone: Asia/Seul\n"),
     ["channel 'slack-asia'", "key 'timezone'", "Asia/Seul"]),
    ("channel-bad-cron", config_with(channels=SLACK + "  schedule: '61 8 * * *'\n"),
     ["channel 'slack-asia'", "key 'schedule'", "61 8 * * *"]),
    ("channel-cron-fields", config_with(channels=SLACK + "  schedule: '0 8 * *'\n"),
     ["channel 'slack-asia'", "key 'schedule'", "5-field"]),
    ("channel-unknown-type", config_with(channels="- id: pager\n  type: pagerduty\n"),
     ["channel 'pager'", "key 'type'", "unknown type 'pagerduty'"]),
    ("channel-unset-var", config_with(channels="- id: hook\n  type: webhook\n  url: ${WATCHER_TEST_SURELY_UNSET}\n"),
     ["channel 'hook'", "key 'url'", "WATCHER_TEST_SURELY_UNSET"]),
    ("channel-duplicate-id", config_with(channels=SLACK + SLACK), ["channel 'slack-asia'", "key 'id'", "duplicate"]),
]


@pytest.mark.parametrize(("text", "fragments"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_config_fault(work: Workdir, cli: Cli, monkeypatch: pytest.MonkeyPatch, text: str, fragments: list[str]) -> None:
    monkeypatch.delenv("WATCHER_TEST_SURELY_UNSET", raising=False)
    work.write_config(text=text)
    run = cli("check-config")
    assert run.code == 2, (run.out, run.err)
    assert str(work.config) in run.err
    for fragment in fragments:
        assert fragment in run.err, (fragment, run.err)
    assert "Traceback" not in run.err
    if not any("good-one" in f for f in fragments):
        assert "good-one" not in run.err  # the good source is not blamed
    # poll refuses too, before touching the store
    run = cli("poll")
    assert run.code == 2
    assert str(work.config) in run.err
    assert not work.db.exists()
    assert not (work.path / "state").exists()


def test_every_fault_is_reported_at_once(work: Workdir, cli: Cli) -> None:
    work.write_config(text=config_with(src("intreval: 1h\n", jurisdiction="UK", url="ftp://x.org/f")))
    run = cli("check-config")
    assert run.code == 2
    lines = [line for line in run.err.splitlines() if line.startswith("watcher: error:")]
    assert len(lines) == 3
    assert any("key 'intreval'" in line for line in lines)
    assert any("key 'jurisdiction'" in line for line in lines)
    assert any("key 'url'" in line for line in lines)


def test_missing_config_file(work: Workdir, cli: Cli) -> None:
    run = cli("check-config")
    assert run.code == 2 and str(work.config) in run.err and "not found" in run.err
    run = cli("poll")
    assert run.code == 2 and not work.db.exists()


def test_bad_config_through_the_real_command(work: Workdir, cli: Cli) -> None:
    work.write_config(text=config_with(src("", url="ftp://example.org/feed.xml")))
    run = cli.subprocess("poll")
    assert run.code == 2
    assert str(work.config) in run.err and "source 'bad-src'" in run.err and "key 'url'" in run.err
    assert "Traceback" not in run.err
    assert not work.db.exists()
    assert not (work.path / "state").exists()


def test_env_var_substituted(work: Workdir, cli: Cli) -> None:
    text = config_with(src("", url="https://${WATCHER_TEST_HOST}/feeds/${WATCHER_TEST_NAME}.xml"))
    work.write_config(text=text)
    env = {"WATCHER_TEST_HOST": "gov.example.org", "WATCHER_TEST_NAME": "ai"}
    config = load_config(work.config, env=env)
    assert config.source("bad-src").fetch_url == "https://gov.example.org/feeds/ai.xml"
    # What is stored and shown is the URL as configured: a ${VAR}'s value is a secret.
    assert config.source("bad-src").url == "https://${WATCHER_TEST_HOST}/feeds/${WATCHER_TEST_NAME}.xml"
    run = cli("check-config", env=env)
    assert run.code == 0, run.err
    assert "2 sources" in run.out
    with pytest.raises(ConfigError) as exc:
        load_config(work.config, env={"WATCHER_TEST_HOST": "gov.example.org"})
    assert "WATCHER_TEST_NAME" in str(exc.value) and "WATCHER_TEST_HOST" not in str(exc.value)


def test_valid_config_summary_and_defaults(work: Workdir, cli: Cli) -> None:
    text = config_with(src("interval: 90s\n", jurisdiction="[US, us-co]"), channels=SLACK + "  mode: instant\n",
                       head="defaults:\n  interval: 1d\n  timeout: 15s\n")
    work.write_config(text=text)
    config = load_config(work.config)
    good, bad = config.sources
    assert good.interval == 86400 and good.timeout == 15 and good.name == "A good source"
    assert bad.interval == 90 and bad.jurisdictions == ("US", "US-CO") and bad.name == "bad-src"
    assert config.channels[0].mode == "instant"
    run = cli("check-config", "--format", "json")
    assert run.code == 0
    data = run.json()
    assert [s["id"] for s in data["sources"]] == ["good-one", "bad-src"]
    assert data["channels"] == [{"id": "slack-asia", "type": "slack", "mode": "instant"}]
    assert not work.db.exists()


def test_shipped_sources_yaml_is_valid() -> None:
    from pathlib import Path

    shipped = Path(__file__).resolve().parents[1] / "sources.yaml"
    if not shipped.exists():
        pytest.skip("no sources.yaml shipped yet")
    env = {name: "placeholder" for name in ("SMTP_PASSWORD", "SLACK_WEBHOOK_URL", "WEBHOOK_SECRET")}
    try:
        config = load_config(shipped, env=env)
    except ConfigError as exc:
        pytest.fail(f"shipped sources.yaml is invalid:\n{exc}")
    assert len(config.sources) >= 20


# -- the parsed-YAML cache -------------------------------------------------------------------


def many_sources(n: int = 300, *, url: str = "https://gov.example.org/feed-{k}.xml") -> str:
    lines = ["defaults: {interval: 1h}", "sources:"]
    for k in range(n):
        lines.append(f"  - {{id: src-{k}, jurisdiction: KR, type: feed, url: '" + url.replace("{k}", str(k)) + "'}")
    return "\n".join(lines) + "\n"


@pytest.fixture
def cache(tmp_path, monkeypatch: pytest.MonkeyPatch):  # noqa: ANN001, ANN201
    directory = tmp_path / "cache"
    monkeypatch.setenv("WATCHER_CACHE_DIR", str(directory))
    return directory


def yaml_parses(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the YAML parses load_config makes from here on."""
    import yaml

    calls: list[int] = []
    real = yaml.load

    def counting(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(yaml, "load", counting)
    return calls


def test_a_long_config_is_parsed_once(work: Workdir, cache, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    from watcher.config import YAML_CACHE_MIN_CHARS

    text = many_sources()
    assert len(text) >= YAML_CACHE_MIN_CHARS
    work.write_config(text=text)
    parses = yaml_parses(monkeypatch)
    first = load_config(work.config)
    again = load_config(work.config)
    assert len(parses) == 1 and first == again and len(again.sources) == 300
    [cached] = cache.glob("config-*.json")
    assert cached.stat().st_mode & 0o777 == 0o600 and cache.stat().st_mode & 0o777 == 0o700
    # Validation still runs on what the cache gives: ${VAR} from this run's environment.
    work.write_config(text=many_sources(url="https://${WATCHER_TEST_HOST}/feed-{k}.xml"))
    assert load_config(work.config, env={"WATCHER_TEST_HOST": "a.example"}).sources[5].fetch_url == "https://a.example/feed-5.xml"
    assert load_config(work.config, env={"WATCHER_TEST_HOST": "b.example"}).sources[5].fetch_url == "https://b.example/feed-5.xml"
    assert len(parses) == 2
    # One character changed is another text: parsed again, both kept.
    work.write_config(text=text.replace("src-299", "src-29x"))
    assert load_config(work.config).sources[-1].id == "src-29x" and len(parses) == 3
    assert len(list(cache.glob("config-*.json"))) == 3


def test_a_short_config_is_not_cached(work: Workdir, cache) -> None:  # noqa: ANN001
    work.write_config(text=many_sources(3))
    assert len(load_config(work.config).sources) == 3
    assert not cache.exists()


@pytest.mark.parametrize("damage", ["garbage", "truncated", "writable by others", "a symlink"])
def test_a_damaged_cache_entry_is_parsed_again(work: Workdir, cache, monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
                                               damage: str) -> None:
    import os

    work.write_config(text=many_sources())
    good = load_config(work.config)
    [cached] = cache.glob("config-*.json")
    if damage == "garbage":
        cached.write_text("\x00not json")
    elif damage == "truncated":
        cached.write_text(cached.read_text()[:-100])
    elif damage == "writable by others":  # another user could have put anything in it
        cached.write_text('{"sources": []}')
        cached.chmod(0o666)
    else:
        planted = cache / "planted.json"
        planted.write_text('{"sources": []}')
        cached.unlink()
        os.symlink(planted, cached)
    parses = yaml_parses(monkeypatch)
    assert load_config(work.config) == good and len(parses) == 1


def test_values_json_cannot_carry_are_not_cached(work: Workdir, cache) -> None:  # noqa: ANN001
    # A YAML date is a datetime.date: JSON would give back a string. Here it sits in a
    # source's headers, where the validator then rejects it, the same on every run.
    work.write_config(text=many_sources() + "  - {id: dated, jurisdiction: KR, type: feed, url: 'https://a.example/',"
                                          " headers: {X-Since: 2026-01-01}}\n")
    for _ in range(2):
        with pytest.raises(ConfigError) as exc:
            load_config(work.config)
        assert "headers" in str(exc.value)
    assert not list(cache.glob("config-*.json"))


def test_an_unwritable_cache_is_no_error(work: Workdir, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:  # noqa: ANN001
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("WATCHER_CACHE_DIR", str(blocker / "cache"))  # under a file: cannot be made
    work.write_config(text=many_sources())
    assert len(load_config(work.config).sources) == 300
    monkeypatch.setenv("WATCHER_CACHE_DIR", "")  # caching off
    assert len(load_config(work.config).sources) == 300


def test_yaml_faults_in_a_long_config_are_reported_every_time(work: Workdir, cache) -> None:  # noqa: ANN001
    work.write_config(text=many_sources() + "  - {id: twice, id: again, jurisdiction: KR, type: feed, url: 'https://a.example/'}\n")
    for _ in range(2):
        with pytest.raises(ConfigError) as exc:
            load_config(work.config)
        assert "written twice" in str(exc.value)
    assert not cache.exists()


def test_the_cache_keeps_the_newest_entries(work: Workdir, cache) -> None:  # noqa: ANN001
    for k in range(11):
        work.write_config(text=many_sources().replace("src-0,", f"src-0{k},"))
        load_config(work.config)
    assert len(list(cache.glob("config-*.json"))) == 8


def test_cache_directory_follows_the_environment(tmp_path) -> None:  # noqa: ANN001
    from pathlib import Path

    from watcher.cache import cache_dir

    assert cache_dir({"WATCHER_CACHE_DIR": "/x", "CACHE_DIRECTORY": "/y"}) == Path("/x")
    assert cache_dir({"WATCHER_CACHE_DIR": ""}) is None
    assert cache_dir({"CACHE_DIRECTORY": "/var/cache/watcher:/other"}) == Path("/var/cache/watcher")
    assert cache_dir({"XDG_CACHE_HOME": "/home/u/.cache"}) == Path("/home/u/.cache/watcher")
