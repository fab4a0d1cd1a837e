"""A small Chrome DevTools Protocol client over `--remote-debugging-pipe` (no
websocket library needed): Chromium reads JSON commands, each ended by a NUL byte,
from fd 3 and writes answers and events to fd 4."""

from __future__ import annotations

import contextlib
import json
import os
import select
import subprocess
import time
from pathlib import Path
from typing import Any


class CDPError(RuntimeError):
    pass


class Browser:
    """Headless Chromium driven through a pipe. Every event received is kept in
    `events` (method, params, sessionId) for the test to inspect."""

    def __init__(self, chromium: str, flags: list[str], profile: Path):
        profile.mkdir(parents=True, exist_ok=True)
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire() -> None:  # in the child: the two pipe ends become fds 3 and 4
            a, b = os.dup(to_child_r), os.dup(from_child_w)
            os.dup2(a, 3)
            os.dup2(b, 4)

        self.proc = subprocess.Popen([chromium, *flags, "--remote-debugging-pipe", f"--user-data-dir={profile}",
                                      "about:blank"], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE, close_fds=False, preexec_fn=wire,
                                     env={**os.environ, "HOME": str(profile)})
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[tuple[str, dict[str, Any], str | None]] = []

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None,
             timeout: float = 30) -> dict[str, Any]:
        self._next_id += 1
        ident = self._next_id
        message: dict[str, Any] = {"id": ident, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            for msg in self._read(deadline):
                if msg.get("id") == ident:
                    if "error" in msg:
                        raise CDPError(f"{method}: {msg['error']}")
                    return msg.get("result", {})

    def wait_for(self, method: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        seen = len(self.events)
        while True:
            for name, params, _ in self.events[seen:]:
                if name == method:
                    return params
            seen = len(self.events)
            self._read(deadline)

    def _read(self, deadline: float) -> list[dict[str, Any]]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no answer from chromium")
        ready, _, _ = select.select([self._from_child], [], [], remaining)
        if not ready:
            raise TimeoutError("no answer from chromium")
        chunk = os.read(self._from_child, 1 << 20)
        if not chunk:
            raise CDPError("chromium closed the pipe: " + (self.proc.stderr.read().decode(errors="replace")[-2000:]
                                                           if self.proc.poll() is not None else ""))
        self._buffer += chunk
        out = []
        while b"\0" in self._buffer:
            raw, self._buffer = self._buffer.split(b"\0", 1)
            msg = json.loads(raw)
            if "method" in msg:
                self.events.append((msg["method"], msg.get("params", {}), msg.get("sessionId")))
            out.append(msg)
        return out

    def close(self) -> None:
        with contextlib.suppress(CDPError, TimeoutError, OSError):
            self.send("Browser.close", timeout=5)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        for fd in (self._to_child, self._from_child):
            with contextlib.suppress(OSError):
                os.close(fd)
        if self.proc.stderr:
            self.proc.stderr.close()
