"""The cost of issue 22's hostile bodies: one `watcher poll` per payload, measured.

Each payload is served gzipped by a server on 127.0.0.1 to a one-source
configuration, and `watcher poll` runs as a subprocess with a fresh store. Printed
per payload: the bytes on the wire, the poll's wall time, its CPU (user + system,
its reaped children included) and its peak RSS (the sum over its process tree,
sampled every 20 ms, and the largest single process from the kernel's count).

    python bench/hostile.py                                   # the watcher on PATH
    python bench/hostile.py --watcher /path/to/venv/bin/watcher --timeout 300 --only nested-div-150k

A poll over `--timeout` is killed and reported as such. The `page-diff` payload is
polled twice (a baseline, then every other line edited) and the second poll is the
one measured. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import argparse
import gzip
import http.server
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from budget_helpers import many_pages_pdf  # noqa: E402 (the tests' generator: one PDF writer)

_PDF_TEXT = "The AI Act applies from 2 August 2026."


def _html(body: str) -> bytes:
    return f"<!DOCTYPE html><html><head><title>Notice</title></head><body><main>{body}</main></body></html>".encode()


def _repeat(sentence: str, chars: int) -> str:
    return (sentence * (chars // len(sentence) + 1))[:chars]


def dates_repeated() -> bytes:
    return _html("<p>" + _repeat("AI Act effective January 2027 ", 160_000) + "</p>")


def dates_prose() -> bytes:
    return _html("<p>" + _repeat("The AI Act applies from 2 August 2026. ", 320_000) + "</p>")


def nested_divs(depth: int) -> Callable[[], bytes]:
    return lambda: _html("<div>" * depth + "Artificial intelligence act guidance" + "</div>" * depth)


def diff_lines(edited: bool) -> bytes:
    lines = [f"<p>Article {i}: the provider shall keep record {i} of the AI system{' (amended)' if edited and i % 2 else ''}.</p>"
             for i in range(20_000)]
    return _html("\n".join(lines))


def feed_nested() -> bytes:
    depth = 2_700_000  # "<x>" + "</x>": 18.9 MB inside one description
    description = "<x>" * depth + "AI Act" + "</x>" * depth
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>t</title>'
            "<link>http://127.0.0.1/</link><description>d</description><item><guid>n1</guid>"
            f"<title>AI Act notice</title><description>{description}</description></item></channel></rss>").encode()


@dataclass
class Payload:
    name: str
    source_type: str
    content_type: str
    body: Callable[[], bytes]
    baseline: Callable[[], bytes] | None = None  # served first, polled once unmeasured


PAYLOADS = [
    Payload("dates-160k", "page", "text/html; charset=utf-8", dates_repeated),
    Payload("dates-prose-320k", "page", "text/html; charset=utf-8", dates_prose),
    Payload("nested-div-150k", "page", "text/html; charset=utf-8", nested_divs(150_000)),
    Payload("nested-div-500k", "page", "text/html; charset=utf-8", nested_divs(500_000)),
    Payload("page-diff-20k", "page", "text/html; charset=utf-8", lambda: diff_lines(True), lambda: diff_lines(False)),
    Payload("feed-nested-18.9MB", "feed", "application/rss+xml", feed_nested),
    Payload("pdf-60k-pages", "page", "application/pdf", lambda: many_pages_pdf(60_000, _PDF_TEXT)),
]


class _Handler(http.server.BaseHTTPRequestHandler):
    served: bytes = b""
    content_type = "text/html"

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self.send_response(200)
        self.send_header("Content-Type", self.content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(self.served)))
        self.end_headers()
        self.wfile.write(self.served)

    def log_message(self, *args: object) -> None:
        pass


def _tree_rss_kb(pid: int) -> int:
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            status = Path(f"/proc/{p}/status").read_text()
            total += next(int(line.split()[1]) for line in status.splitlines() if line.startswith("VmRSS:"))
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except (OSError, StopIteration, ValueError):
            continue
    return total


def measure(argv: list[str], env: dict[str, str], timeout: float) -> dict[str, object]:
    started = time.monotonic()
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=err)
        peak, killed = 0, False
        while True:  # os.wait4, not Popen.poll: it returns the poll's own resource usage
            pid, _, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            peak = max(peak, _tree_rss_kb(proc.pid))
            if time.monotonic() - started > timeout:
                proc.kill()
                killed = True
                _, _, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.02)
        proc.returncode = 0  # reaped above
        err.seek(0)
        stderr = err.read().decode(errors="replace")
    wall = time.monotonic() - started
    return {"wall_s": round(wall, 2), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2),
            "peak_rss_mb": round(max(peak, usage.ru_maxrss) / 1024, 1), "max_process_rss_mb": round(usage.ru_maxrss / 1024, 1),
            "killed_after_timeout": killed, "stderr_tail": stderr.strip().splitlines()[-2:]}


def run(payload: Payload, watcher: str, timeout: float, work: Path, url: str, handler: type[_Handler]) -> dict[str, object]:
    config = work / f"{payload.name}.yaml"
    config.write_text(f"sources:\n  - id: hostile\n    name: hostile\n    jurisdiction: EU\n    type: {payload.source_type}\n"
                      f"    url: {url}/{payload.name}\n    relevance: all\n")
    db = work / f"{payload.name}.db"
    argv = [watcher, "--config", str(config), "--db", str(db), "poll"]
    env = {**os.environ, "WATCHER_CACHE_DIR": str(work / "cache")}
    handler.content_type = payload.content_type
    if payload.baseline is not None:
        handler.served = gzip.compress(payload.baseline())
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout)
    raw = payload.body()
    handler.served = gzip.compress(raw)
    figures = measure(argv, env, timeout)
    return {"payload": payload.name, "bytes": len(raw), "gzipped": len(handler.served), **figures}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--watcher", default="watcher", help="the watcher executable to measure")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds before a poll is killed")
    parser.add_argument("--only", action="append", help="payload name (repeatable)")
    args = parser.parse_args()
    handler = type("Handler", (_Handler,), {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        warm = work / "warm.yaml"  # the first run compiles the lexicon cache; not measured
        warm.write_text(f"sources:\n  - id: warm\n    name: warm\n    jurisdiction: EU\n    type: page\n    url: {url}/warm\n")
        handler.served, handler.content_type = gzip.compress(_html("<p>AI Act</p>")), "text/html"
        subprocess.run([args.watcher, "--config", str(warm), "--db", str(work / "warm.db"), "poll"],
                       env={**os.environ, "WATCHER_CACHE_DIR": str(work / "cache")}, capture_output=True)
        for payload in PAYLOADS:
            if args.only and payload.name not in args.only:
                continue
            print(json.dumps(run(payload, args.watcher, args.timeout, work, url, handler), ensure_ascii=False), flush=True)
    server.shutdown()
    sys.exit(0)


if __name__ == "__main__":
    main()
