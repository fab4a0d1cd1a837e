"""Running the real `watcher` console script as a child process and measuring it:
its exit code, output, wall time, and its own peak RSS (from `os.wait4`, which
reports the resource usage of exactly that child, unlike RUSAGE_CHILDREN, which
is the maximum over every child the test process ever waited for). The child is
always killed and reaped, whatever happens to the test."""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path


def watcher_exe() -> str:
    return shutil.which("watcher") or str(Path(sys.executable).parent / "watcher")


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    return {**os.environ, "PYTHONIOENCODING": "utf-8", "NO_COLOR": "1", **(extra or {})}


@dataclass
class Measured:
    code: int  # exit code; -N when killed by signal N
    out: str
    err: str
    seconds: float
    max_rss_mb: float
    timed_out: bool = False


def run_measured(args: Sequence[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None) -> Measured:
    """Run `watcher ARGS...` to completion (killed after `timeout` seconds)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.monotonic()
        proc = subprocess.Popen([watcher_exe(), *args], stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                cwd=cwd, env=child_env(env))
        status, usage, timed_out = _reap(proc, started + timeout)
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        return Measured(proc.returncode if proc.returncode is not None else os.waitstatus_to_exitcode(status),
                        out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                        seconds, usage.ru_maxrss / 1024.0, timed_out)


def _reap(proc: subprocess.Popen, deadline: float) -> tuple[int, resource.struct_rusage, bool]:
    timed_out = False
    try:
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                proc.returncode = os.waitstatus_to_exitcode(status)
                return status, usage, False
            if time.monotonic() > deadline:
                timed_out = True
                break
            time.sleep(0.02)
    finally:
        if proc.returncode is None:
            proc.kill()
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return status, usage, timed_out


def kill_after(args: Sequence[str], *, cwd: Path, delay: float, timeout: float,
               env: dict[str, str] | None = None) -> int:
    """Start `watcher ARGS...`, SIGKILL it after `delay` seconds (if still running);
    returns its exit code (-9 when the kill landed)."""
    proc = subprocess.Popen([watcher_exe(), *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            stdin=subprocess.DEVNULL, cwd=cwd, env=child_env(env))
    try:
        try:
            return proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            proc.send_signal(signal.SIGKILL)
        return proc.wait(timeout=timeout)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
