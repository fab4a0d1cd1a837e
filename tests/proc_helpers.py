"""Running the real `watcher` console script as a child process and measuring it:
its exit code, output, wall time, and its own peak RSS (from `os.wait4` in a
small wrapper process, which reports the resource usage of exactly that child,
unlike RUSAGE_CHILDREN, which is the maximum over every child the test process
ever waited for). The child is
always killed and reaped, whatever happens to the test."""

from __future__ import annotations

import os
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


# The measured command runs under this small wrapper process. A child forked
# straight from the test process starts as a copy of it (hundreds of MB after a
# long pytest session), and its peak RSS counts those pages until it execs; a
# child forked from a 10 MB wrapper measures watcher alone.
_WRAPPER = """
import os, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
with open(sys.argv[1], "w") as f:
    f.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(code if code >= 0 else 128 - code)
"""


def run_measured(args: Sequence[str], *, cwd: Path, timeout: float, env: dict[str, str] | None = None) -> Measured:
    """Run `watcher ARGS...` to completion (killed after `timeout` seconds)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile("r", suffix=".rss") as rss:
        started = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-c", _WRAPPER, rss.name, watcher_exe(), *args], stdout=out,
                                stderr=err, stdin=subprocess.DEVNULL, cwd=cwd, env=child_env(env),
                                start_new_session=True)
        try:
            code = proc.wait(timeout=max(0.0, started + timeout - time.monotonic()))
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)  # the wrapper and watcher with it
            code = proc.wait()
        seconds = time.monotonic() - started
        out.seek(0)
        err.seek(0)
        peak_kb = rss.read().strip()
        if code > 128:  # the wrapper reports a signal N as 128 + N
            code = 128 - code
        return Measured(code, out.read().decode("utf-8", "replace"), err.read().decode("utf-8", "replace"),
                        seconds, int(peak_kb) / 1024.0 if peak_kb.isdigit() else 0.0, timed_out)


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
