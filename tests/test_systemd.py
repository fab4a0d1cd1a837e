"""The systemd units are valid (systemd-analyze verify) and keep their hardening."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[1] / "systemd"
HARDENING = ("DynamicUser=yes", "StateDirectory=watcher", "ProtectSystem=strict", "NoNewPrivileges=yes",
             "PrivateTmp=yes", "RestrictAddressFamilies=AF_INET AF_INET6 AF_UNIX")


@pytest.mark.parametrize("name", ["watcher.service", "watcher-poll.service", "watcher-digest.service"])
def test_services_are_hardened(name: str) -> None:
    text = (UNITS / name).read_text()
    for line in HARDENING:
        assert line in text, f"{name} lacks {line}"
    assert "EnvironmentFile=-/etc/watcher/watcher.env" in text


@pytest.mark.parametrize("name", ["watcher.service", "watcher-poll.service", "watcher-digest.service"])
def test_services_cannot_reach_link_local_metadata(name: str) -> None:
    """Cloud metadata (169.254.169.254, fe80::/10, AWS's fd00:ec2::254) is denied
    at the socket level too, whatever a redirect or a channel URL says."""
    denied = [line.split("=", 1)[1].split() for line in (UNITS / name).read_text().splitlines()
              if line.startswith("IPAddressDeny=")]
    assert denied, f"{name} has no IPAddressDeny="
    assert {"169.254.0.0/16", "fe80::/10", "fd00:ec2::254"} <= {net for line in denied for net in line}


def test_long_running_service_restarts_and_reloads() -> None:
    text = (UNITS / "watcher.service").read_text()
    assert "ExecStart=/usr/local/bin/watcher run" in text
    assert "Restart=on-failure" in text and "ExecReload=/bin/kill -HUP $MAINPID" in text


@pytest.mark.skipif(not shutil.which("systemd-analyze"), reason="systemd-analyze not installed")
def test_units_pass_systemd_analyze_verify(tmp_path: Path) -> None:
    # verify checks that ExecStart exists: point it at a binary this machine has.
    for unit in UNITS.iterdir():
        text = unit.read_text().replace("/usr/local/bin/watcher", shutil.which("true") or "/bin/true")
        (tmp_path / unit.name).write_text(text)
    run = subprocess.run(["systemd-analyze", "verify", *sorted(str(p) for p in tmp_path.iterdir())],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert "watcher" not in run.stderr, run.stderr  # no warnings about our units
