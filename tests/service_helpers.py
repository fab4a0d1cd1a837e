"""Helpers for the `watcher run` tests: the real service in a child process with
its JSON log captured to a file, waiting for conditions with a deadline, feeds
whose requests are timed per path, and a clock the tests move by hand."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from watcher.demo.server import Route

T = TypeVar("T")

DEADLINE = 15.0  # seconds any awaited condition may take on a loaded machine


def wait_for(condition: Callable[[], T], what: str, timeout: float = DEADLINE, every: float = 0.05) -> T:
    """Poll `condition` until it returns something truthy (returned); fail naming `what` after `timeout`."""
    end = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > end:
            raise AssertionError(f"timed out after {timeout:g}s waiting for {what}")
        time.sleep(every)


# -- the service in a child process -------------------------------------------------------


class ServiceProcess:
    """`watcher --config C --db D run --tick T` as a real child process, stderr to a file.

    Use as a context manager: the child is killed on the way out whatever happened."""

    def __init__(self, config: Path, db_url: str, log: Path, *, tick: float = 0.2, log_level: str = "info",
                 env: dict[str, str] | None = None):
        self.argv = [watcher_exe(), "--config", str(config), "--db", db_url, "run", "--tick", str(tick),
                     "--log-level", log_level]
        self.log = log
        self.env = {**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})}
        self.cwd = config.parent
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        with self.log.open("ab") as err:
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err,
                                         env=self.env, cwd=self.cwd)
        # Signals sent before the handlers are installed would kill it: wait for them.
        self.wait_event("service.start")
        return self

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.kill()

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send(self, sig: signal.Signals) -> None:
        assert self.proc is not None and self.alive, "the service is not running:\n" + self.text()
        self.proc.send_signal(sig)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""

    def lines(self) -> list[str]:
        return [line for line in self.text().splitlines() if line.strip()]

    def events(self, name: str | None = None, **fields: Any) -> list[dict[str, Any]]:
        """The log's JSON events (optionally only those named `name` with these field values)."""
        out = []
        for line in self.lines():
            try:
                data = json.loads(line)
            except ValueError:
                continue
            if (name is None or data.get("event") == name) and all(data.get(k) == v for k, v in fields.items()):
                out.append(data)
        return out

    def wait_event(self, name: str, *, count: int = 1, timeout: float = DEADLINE, **fields: Any) -> list[dict[str, Any]]:
        def seen() -> list[dict[str, Any]] | None:
            if not self.alive and self.proc is not None:
                found = self.events(name, **fields)
                if len(found) >= count:
                    return found
                raise AssertionError(f"the service exited ({self.proc.returncode}) before '{name}':\n{self.text()}")
            found = self.events(name, **fields)
            return found if len(found) >= count else None

        try:
            return wait_for(seen, f"{count} log event(s) '{name}' {fields or ''}", timeout)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- log ---\n{self.text()[-4000:]}") from None

    def wait_exit(self, timeout: float) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout=timeout)


def watcher_exe() -> str:
    return shutil.which("watcher") or str(Path(sys.executable).parent / "watcher")


# -- feeds with per-path request timing ------------------------------------------------------


@dataclass
class Hit:
    started: float  # time.monotonic() when the request arrived
    ended: float | None = None


@dataclass
class Tracker:
    """A LocalServer handler factory recording, per path, when each request started
    and ended and how many were in flight at once. `tracker.route(path, Route(...))`
    gives the handler to `server.set(path, ...)`; `swap` changes what a path answers."""

    routes: dict[str, Route] = field(default_factory=dict)
    hits: dict[str, list[Hit]] = field(default_factory=lambda: defaultdict(list))
    in_flight: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    peak: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def route(self, path: str, route: Route) -> Callable[[Any], Route]:
        self.routes[path] = route

        def handle(_request: Any) -> Route:
            with self._lock:
                current = self.routes[path]
                hit = Hit(time.monotonic())
                self.hits[path].append(hit)
                self.in_flight[path] += 1
                self.peak[path] = max(self.peak[path], self.in_flight[path])
            try:
                if current.delay:  # waited here, not by the server, so that "in flight" covers it
                    time.sleep(current.delay)
            finally:
                with self._lock:
                    self.in_flight[path] -= 1
                    hit.ended = time.monotonic()
            return Route(current.body, current.content_type, current.status, current.headers, 0.0,
                         current.conditional, current.validators)

        return handle

    def swap(self, path: str, route: Route) -> None:
        with self._lock:
            self.routes[path] = route

    def count(self, path: str, since: float = 0.0) -> int:
        with self._lock:
            return sum(1 for h in self.hits[path] if h.started >= since)

    def starts(self, path: str) -> list[float]:
        with self._lock:
            return [h.started for h in self.hits[path]]

    def reset_peaks(self) -> None:
        with self._lock:
            self.peak.clear()

    def total_in_flight(self) -> int:
        with self._lock:
            return sum(self.in_flight.values())


# -- an injected clock ----------------------------------------------------------------------


class FakeClock:
    """`Service(..., clock=clock)`: the time is what the test says it is."""

    def __init__(self, start: datetime):
        assert start.tzinfo is not None
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def set(self, when: datetime) -> None:
        assert when.tzinfo is not None
        self.now = when

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now
