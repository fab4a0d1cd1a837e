"""The README cannot drift from the code: its configuration example validates,
its reference names every declared key, and its two commands are the ones CI runs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from watcher.config import CHANNEL_KEYS, PUBLISH_KEYS, SOURCE_KEYS, parse_config
from watcher.notify import channel_types
from watcher.sources import source_types

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, flags=re.S)


@pytest.mark.parametrize("block", _blocks("yaml"))
def test_readme_yaml_examples_are_valid_configurations(block: str) -> None:
    config = parse_config(block, Path("README.md"), env={"SLACK_WEBHOOK_URL": "https://hooks.slack.com/x"})
    assert config.sources


def test_readme_documents_every_declared_key() -> None:
    declared = set(SOURCE_KEYS) | set(CHANNEL_KEYS) | set(PUBLISH_KEYS)
    for kind in source_types().values():
        declared |= set(kind.keys)
    for kind in channel_types().values():
        declared |= set(kind.keys)
    missing = sorted(k for k in declared if f"`{k}`" not in README)
    assert not missing, f"keys declared in code but not documented in README.md: {missing}"


def test_readme_names_every_source_and_channel_type() -> None:
    for name in [*source_types(), *channel_types()]:
        assert f"`{name}`" in README, name


def test_ci_runs_the_readme_test_command() -> None:
    commands = [line for block in _blocks("sh") for line in block.splitlines() if "pytest" in line]
    assert len(commands) == 1, commands
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[0].strip() in ci


def test_readme_has_the_demo_command() -> None:
    assert any(line.strip().endswith("watcher demo") for block in _blocks("sh") for line in block.splitlines())


def test_readme_webhook_verification_snippet_accepts_our_signature_and_rejects_tampering() -> None:
    from datetime import UTC, datetime

    from watcher.notify.digest import Digest
    from watcher.notify.webhook import signed_body

    (snippet,) = _blocks("python")
    namespace: dict = {}
    exec(snippet, namespace)  # noqa: S102 - the README's own example
    verify = namespace["verify"]
    digest = Digest("hook", datetime.now(UTC), "AI regulation: 0 changes", [], [], [], [])
    body, headers = signed_body(digest, "s3cret")
    assert verify(body, headers, "s3cret")["version"] == 1
    with pytest.raises(ValueError, match="bad signature"):
        verify(body.replace(b'"hook"', b'"evil"'), headers, "s3cret")
    old, old_headers = signed_body(digest, "s3cret", now=datetime(2020, 1, 1, tzinfo=UTC))
    with pytest.raises(ValueError, match="stale"):
        verify(old, old_headers, "s3cret")
