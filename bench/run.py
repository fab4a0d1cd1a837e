"""Issue 8's benchmark: watcher beside urlwatch on the same local sources.

    python bench/run.py --sizes 100,1000,5000 --reps 3      # the full run (~40 min on 2 cores)
    python bench/run.py --quick                             # smoke run: N=100, 1 rep, small stores

For each N it writes N feeds and N listing pages (bench/gen.py: RSS 2.0 and Atom,
30-100 entries, 20-200 KB, one in ten EUC-KR and one in ten Shift_JIS), serves them
with nginx (Debian's package) on 127.0.0.1, and runs, for each repetition:

  cold     every tool from a fresh store / cache (first poll of all 2N sources);
  warm     again, nothing changed (every answer should be 304);
  changed  5% of the feeds and 5% of the pages rewritten (new items at the top).

The tools run one after the other on the same URLs in the same run. Each cycle is
one real process (`python -m watcher poll`, `urlwatch`): wall time, CPU
(user+sys of the process and its children, from wait4) and peak RSS; the medians
of the repetitions are reported. nginx's access log ($status $bytes_sent
$request_length) gives the requests and bytes of every cycle. Then
`watcher changes --jurisdiction KR --since 30d` (table and --format json) on
stores of 100,000 and 1,000,000 changes, and `watcher --help`.

Writes bench/RESULTS.md, bench/results.json and bench/cycle_time.png.
`--profile` adds py-spy profiles of watcher's cold and warm cycles at N=1,000
(bench/PROFILE.md; flame graphs in the work directory).

Everything runs under a temporary work directory (removed at the end unless
--keep); nginx and any cycle still running are killed on exit, even on Ctrl-C.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import platform
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
sys.path.insert(0, str(BENCH))

import gen  # noqa: E402

UW_VENV = Path(os.environ.get("BENCH_URLWATCH_VENV", "/tmp/uwvenv"))
PLOT_VENV = Path(os.environ.get("BENCH_TOOLS_VENV", "/tmp/benchvenv"))
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
CYCLES = ("cold", "warm", "changed")
CHANGED_SHARE = 0.05

_live: set[subprocess.Popen] = set()  # processes to kill on the way out


# ---------------------------------------------------------------- tools


def ensure_venv(venv: Path, packages: list[str], probe: str) -> Path:
    """A virtualenv at `venv` with `packages`; its python. `probe` is a file under bin/."""
    if not (venv / "bin" / probe).exists():
        print(f"setting up {venv} ({', '.join(packages)}) ...", flush=True)
        if not (venv / "bin" / "python").exists():
            subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
        subprocess.run([str(venv / "bin" / "pip"), "install", "-q", *packages], check=True)
    return venv / "bin" / "python"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    """nginx in the foreground under `prefix`, serving `root` on 127.0.0.1:port."""

    CONF = """
worker_processes 1;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 4096; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 100000;
    keepalive_timeout 300s;
    if_modified_since before;
    etag on;
    log_format bench '$status $bytes_sent $request_length';
    access_log {prefix}/access.log bench;
    client_body_temp_path {prefix}/tmp_body;
    proxy_temp_path {prefix}/tmp_proxy;
    fastcgi_temp_path {prefix}/tmp_fastcgi;
    server {{
        listen 127.0.0.1:{port} backlog=4096;
        root {root};
        location / {{ }}
    }}
}}
"""

    def __init__(self, prefix: Path, root: Path):
        self.prefix, self.root = prefix, root
        self.port = free_port()
        self.proc: subprocess.Popen | None = None
        self.log = prefix / "access.log"
        self._offset = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Nginx:
        self.prefix.mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(self.CONF.format(prefix=self.prefix, root=self.root, port=self.port))
        self.proc = subprocess.Popen([NGINX, "-p", str(self.prefix), "-e", str(self.prefix / "error.log"),
                                      "-c", str(conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _live.add(self.proc)
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"nginx failed to start: {self.proc.stderr.read().decode()}") from None
                time.sleep(0.05)
        raise RuntimeError("nginx did not start listening")

    def take(self) -> dict[str, int]:
        """Requests and bytes logged since the last call."""
        time.sleep(0.05)
        with self.log.open("rb") as f:
            f.seek(self._offset)
            data = f.read()
        self._offset += len(data)
        out = {"requests": 0, "s200": 0, "s304": 0, "other": 0, "bytes_sent": 0, "bytes_received": 0}
        for line in data.splitlines():
            status, sent, received = line.split()
            out["requests"] += 1
            key = {b"200": "s200", b"304": "s304"}.get(status, "other")
            out[key] += 1
            out["bytes_sent"] += int(sent)
            out["bytes_received"] += int(received)
        return out

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)  # graceful; the workers go with the master
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        _live.discard(self.proc)


def busy_seconds() -> float:
    """CPU-seconds the whole machine has spent busy (all cores), from /proc/stat."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle + iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


class TreeSampler:
    """Samples every process of a session (the measured command and whatever it starts:
    watcher's worker processes) every `interval` seconds from /proc.

    ru_maxrss (from wait4) is the peak of one process, not of the tree: here the peak,
    over samples, of the summed RSS and PSS (PSS shares a page between the processes
    mapping it, so forked workers are not counted twice for what they share). `cpu`
    holds each process's CPU (its own and that of the children it reaped), last seen.
    """

    def __init__(self, sid: int, interval: float = 0.1):
        self.sid, self.interval = sid, interval
        # pid -> (user, sys) CPU seconds, last seen: its own plus that of the children it reaped
        self.cpu: dict[int, tuple[float, float]] = {}
        self.peak_rss = self.peak_pss = 0.0
        self.max_procs = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._tick = os.sysconf("SC_CLK_TCK")
        self._page = os.sysconf("SC_PAGE_SIZE")

    def __enter__(self) -> TreeSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        rss = pss = 0.0
        procs = 0
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                stat = Path(f"/proc/{entry.name}/stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                if int(fields[3]) != self.sid:  # field 6 of stat: the session id
                    continue
                self.cpu[int(entry.name)] = ((int(fields[11]) + int(fields[13])) / self._tick,
                                             (int(fields[12]) + int(fields[14])) / self._tick)
                rss += int(Path(f"/proc/{entry.name}/statm").read_text().split()[1]) * self._page
                for line in Path(f"/proc/{entry.name}/smaps_rollup").read_text().splitlines():
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                        break
                procs += 1
            except (OSError, ValueError, IndexError):
                continue  # the process ended between listing and reading
        self.peak_rss, self.peak_pss = max(self.peak_rss, rss), max(self.peak_pss, pss)
        self.max_procs = max(self.max_procs, procs)


def measure(cmd: list[str], cwd: Path, log: Path, timeout: float, env: dict[str, str] | None = None) -> dict:
    """Run `cmd` once: wall, CPU (user+sys) and peak memory of its whole process tree."""
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        load = os.getloadavg()[0]
        busy0 = busy_seconds()
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True)
        _live.add(proc)
        timed_out = threading.Event()

        def kill() -> None:
            timed_out.set()
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            with TreeSampler(proc.pid) as tree:
                _pid, status, usage = os.wait4(proc.pid, 0)
            # The processes of the session that outlived the command: it did not reap
            # them, so wait4 does not count them (nor the children they reaped).
            survivors = TreeSampler(proc.pid)
            survivors.sample()
        finally:
            timer.cancel()
        wall = time.perf_counter() - started
        busy = busy_seconds() - busy0
        proc.returncode = os.waitstatus_to_exitcode(status)
        _live.discard(proc)
    # The command's own CPU and that of the descendants it reaped (wait4; watcher
    # joins its worker processes at the end of a pooled cycle), plus that of the
    # processes that outlived it (and of what they reaped).
    # A process that ended unreaped before the command would be missed: none does here.
    h_user = sum(u for u, _ in survivors.cpu.values())
    h_sys = sum(s for _, s in survivors.cpu.values())
    user, sys_ = usage.ru_utime + h_user, usage.ru_stime + h_sys
    cpu = user + sys_
    return {"wall": wall, "cpu": cpu, "user": user, "sys": sys_, "helpers_cpu": h_user + h_sys,
            "rss_mb": max(usage.ru_maxrss * 1024, tree.peak_rss) / 2**20,
            "pss_mb": tree.peak_pss / 2**20, "procs": tree.max_procs,
            "rc": proc.returncode, "timeout": timed_out.is_set(),
            # Contention: CPU the rest of the machine (nginx included) used meanwhile, in cores.
            "others_cores": max(0.0, busy - cpu) / wall, "load1": load}


# ---------------------------------------------------------------- the tools' set-ups


class WatcherTool:
    name = "watcher"

    def __init__(self, work: Path, base: str, n: int):
        self.dir = work / f"{self.name}-{n}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.config = self.dir / "sources.yaml"
        lines = ["defaults: {interval: 1h, timeout: 60s}", "sources:"]
        for k in range(n):
            j = gen.jurisdiction(k)
            lines += [f"  - {{id: feed-{k}, jurisdiction: {j}, type: feed, url: '{base}/feeds/f{k}.xml'}}",
                      f"  - {{id: page-{k}, jurisdiction: {j}, type: page-list, url: '{base}/pages/p{k}.html',"
                      " items: 'table.board tbody tr'}"]
        self.config.write_text("\n".join(lines) + "\n")
        self.db = self.dir / "watcher.db"

    def reset(self) -> None:
        for p in self.dir.glob("watcher.db*"):
            p.unlink()

    def command(self) -> list[str]:
        return [sys.executable, "-m", "watcher", "--config", str(self.config), "--db", f"sqlite:///{self.db}", "poll"]


class WatcherNoClassifierTool(WatcherTool):
    """watcher with its classifier switched off (bench/noclassify.py): the share of
    a cycle that is work urlwatch also does."""

    name = "watcher-nocls"

    def command(self) -> list[str]:
        return [sys.executable, str(BENCH / "noclassify.py"), "--config", str(self.config),
                "--db", f"sqlite:///{self.db}", "poll"]


class UrlwatchTool:
    name = "urlwatch"

    def __init__(self, work: Path, base: str, n: int):
        self.dir = work / f"urlwatch-{n}"
        self.dir.mkdir(parents=True, exist_ok=True)
        self.urls = self.dir / "urls.yaml"
        docs = []
        for k in range(n):
            docs += [f"name: feed-{k}\nurl: {base}/feeds/f{k}.xml\n", f"name: page-{k}\nurl: {base}/pages/p{k}.html\n"]
        self.urls.write_text("---\n".join(docs))
        # Reporters: only stdout (to the log file), no colour; everything else stays disabled (the default).
        self.config = self.dir / "urlwatch.yaml"
        self.config.write_text("report:\n  stdout: {enabled: true, color: false}\n  text: {details: true}\n")
        self.cache = self.dir / "cache.db"
        self.hooks = self.dir / "hooks.py"  # absent: no hooks

    def reset(self) -> None:
        for p in self.dir.glob("cache.db*"):
            p.unlink()

    def command(self) -> list[str]:
        return [str(UW_VENV / "bin" / "urlwatch"), "--urls", str(self.urls), "--config", str(self.config),
                "--cache", str(self.cache), "--hooks", str(self.hooks)]


# ---------------------------------------------------------------- the run


def wait_next_second() -> None:
    """Let the clock move to a new second, so a rewritten file's mtime is after every earlier fetch."""
    time.sleep(1.05 - (time.time() % 1.0))


def mutate(root: Path, n: int, rep: int, versions: dict[tuple[str, int], int]) -> int:
    """Rewrite 5% of the feeds and 5% of the pages with new items; how many files."""
    rng = random.Random(f"mutate-{n}-{rep}")
    count = max(1, math.ceil(n * CHANGED_SHARE))
    wait_next_second()
    files = 0
    for kind in ("feed", "page"):
        for k in rng.sample(range(n), count):
            versions[(kind, k)] = versions.get((kind, k), 0) + 1
            gen.write(root, kind, k, versions[(kind, k)])
            files += 1
    return files


def run_size(n: int, reps: int, tools: list, nginx: Nginx, root: Path, versions: dict, timeout: float,
             logdir: Path) -> dict:
    results: dict[str, dict[str, list[dict]]] = {t.name: {c: [] for c in CYCLES} for t in tools}
    given_up: set[str] = set()

    def cycle(tool, name: str, rep: int) -> None:  # noqa: ANN001
        if tool.name in given_up:
            return
        nginx.take()
        r = measure(tool.command(), tool.dir, logdir / f"{tool.name}-{n}.log", timeout)
        r.update(nginx.take())
        r["rep"] = rep
        results[tool.name][name].append(r)
        flag = " TIMEOUT" if r["timeout"] else (f" exit {r['rc']}" if r["rc"] else "")
        print(f"  N={n:<5} rep {rep + 1} {tool.name:<8} {name:<7} wall {r['wall']:7.2f}s  cpu {r['cpu']:7.2f}s  "
              f"rss {r['rss_mb']:6.0f} MB  {r['s200']:>5}x200 {r['s304']:>5}x304 {r['other']:>3} other  "
              f"{r['bytes_sent'] / 1e6:8.1f} MB  others {r['others_cores']:.2f} cores{flag}", flush=True)
        expected = {"cold": ("s200", 2 * n), "warm": ("s304", 2 * n)}.get(name)
        if r["other"] or (expected and r[expected[0]] != expected[1]):
            r["anomaly"] = True
            print(f"  WARNING: unexpected answers ({r['s200']}x200, {r['s304']}x304, {r['other']} other); "
                  f"see {logdir / (tool.name + '-' + str(n) + '.log')} and nginx's error.log", flush=True)
        if r["timeout"]:
            print(f"  {tool.name} gave up at N={n}: a cycle took over {timeout:.0f}s", flush=True)
            given_up.add(tool.name)

    for rep in range(reps):
        for tool in tools:
            tool.reset()
            cycle(tool, "cold", rep)
        for tool in tools:
            cycle(tool, "warm", rep)
        mutate(root, n, rep, versions)
        for tool in tools:
            cycle(tool, "changed", rep)
    return results


def store_queries(work: Path, sizes: list[int], runs: int) -> list[dict]:
    out = []
    for size in sizes:
        db = work / f"store-{size}.db"
        t0 = time.perf_counter()
        # Built in a child process: a command forked later inherits, as its ru_maxrss,
        # this process's peak RSS (Linux keeps the pre-exec peak across exec), which
        # building a store in here raised to ~100 MB for a ~20 MB query.
        subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from core_figures import build_store; "
                        "build_store(Path(sys.argv[1]), int(sys.argv[2]))", str(db), str(size)],
                       cwd=BENCH, check=True)
        built = time.perf_counter() - t0
        print(f"  built a store of {size:,} changes in {built:.1f}s", flush=True)
        base = [sys.executable, "-m", "watcher", "--db", f"sqlite:///{db}", "changes", "--jurisdiction", "KR",
                "--since", "30d"]
        for fmt in ("table", "json"):
            cmd = base + ([] if fmt == "table" else ["--format", "json"])
            measure(cmd, work, work / "store.log", 600)  # warm the page cache
            runs_ = [measure(cmd, work, work / "store.log", 600) for _ in range(runs)]
            row = {"changes": size, "format": fmt, "build_s": built,
                   "wall": statistics.median(r["wall"] for r in runs_), "cpu": statistics.median(r["cpu"] for r in runs_),
                   "rss_mb": statistics.median(r["rss_mb"] for r in runs_), "runs": runs_}
            if fmt == "json":
                res = subprocess.run(cmd, cwd=work, capture_output=True, check=False)
                try:
                    row["rows"] = len(json.loads(res.stdout))
                except ValueError:
                    row["rows"] = None
            out.append(row)
            print(f"  changes --jurisdiction KR --since 30d ({fmt}) on {size:,}: wall {row['wall'] * 1000:.0f} ms, "
                  f"cpu {row['cpu'] * 1000:.0f} ms, rss {row['rss_mb']:.0f} MB", flush=True)
        db.unlink()
    return out


def help_time(work: Path, runs: int = 7) -> dict:
    cmd = [sys.executable, "-m", "watcher", "--help"]
    measure(cmd, work, work / "help.log", 60)
    rs = [measure(cmd, work, work / "help.log", 60) for _ in range(runs)]
    return {"wall": statistics.median(r["wall"] for r in rs), "cpu": statistics.median(r["cpu"] for r in rs)}


# ---------------------------------------------------------------- profiling


def profile(work: Path, nginx: Nginx, n: int, rate: int) -> dict:
    """py-spy of watcher's cold and warm cycle at N (both kinds of source)."""
    python = ensure_venv(PLOT_VENV, ["matplotlib", "py-spy"], "py-spy")
    pyspy = python.parent / "py-spy"
    tool = WatcherTool(work / "profile", nginx.base, n)
    tool.reset()
    out = {}
    for name in ("cold", "warm"):
        raw = work / f"profile-{name}.txt"
        svg = work / f"profile-{name}.svg"
        subprocess.run([str(pyspy), "record", "--subprocesses", "--rate", str(rate), "--format", "raw", "-o", str(raw), "--",
                        *tool.command()], cwd=tool.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        if name == "warm":  # a cold cycle at N=1,000 takes minutes: it is not run twice
            subprocess.run([str(pyspy), "record", "--subprocesses", "--rate", str(rate), "--format", "flamegraph", "-o", str(svg), "--",
                            *tool.command()], cwd=tool.dir, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           check=False)
        out[name] = hotspots(raw)
        out[name]["svg"] = str(svg)
    return out


FRAME = re.compile(r"^(?P<func>.*?) \((?P<file>[^()]*?)(?::(?P<line>\d+))?\)$")


def _frame_name(frame: str) -> str:
    m = FRAME.match(frame.strip())
    if not m:
        return frame.strip()
    file = m["file"]
    for marker in ("site-packages/", "/lib/python3.11/", str(REPO) + "/"):
        if marker in file:
            file = file.split(marker, 1)[1]
    return f"{m['func']} ({file})"


def hotspots(raw: Path, top: int = 25) -> dict:
    """Self and inclusive share of samples per function, from py-spy's collapsed stacks."""
    selfc: dict[str, int] = {}
    incl: dict[str, int] = {}
    total = 0
    for line in raw.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        c = int(count)
        total += c
        frames = [_frame_name(f) for f in stack.split(";")]
        frames = [f for f in frames if not f.startswith("process ") and not f.startswith("thread ")]
        if not frames:
            continue
        selfc[frames[-1]] = selfc.get(frames[-1], 0) + c
        for f in set(frames):
            incl[f] = incl.get(f, 0) + c
    def rank(d: dict[str, int]) -> list[tuple[str, float]]:
        return [(f, 100 * c / total) for f, c in sorted(d.items(), key=lambda kv: -kv[1])[:top]] if total else []
    return {"samples": total, "self": rank(selfc), "inclusive": rank(incl)}


# ---------------------------------------------------------------- report


def versions() -> dict[str, str]:
    def out(cmd: list[str]) -> str:
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
            return (r.stdout + r.stderr).strip()
        except OSError:
            return "?"
    lscpu = out(["lscpu"])
    model = next((line.split(":", 1)[1].strip() for line in lscpu.splitlines() if line.startswith("Model name")), "?")
    mem = next((line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines() if line.startswith("MemTotal")), "0")
    return {
        "cores": str(os.cpu_count()), "cpu": model, "memory_gb": f"{int(mem) / 1024 / 1024:.1f}",
        "os": out(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]), "kernel": platform.release(),
        "python": platform.python_version(),
        "watcher": out([sys.executable, "-m", "watcher", "--version"]).split()[-1],
        "urlwatch": out([str(UW_VENV / "bin" / "urlwatch"), "--version"]).split()[-1],
        "urlwatch_python": out([str(UW_VENV / "bin" / "python"), "--version"]).split()[-1],
        "nginx": out([NGINX, "-v"]).split("/")[-1],
        "httpx": out([sys.executable, "-c", "import httpx; print(httpx.__version__)"]),
        "git": out(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"]),
        "load_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def med(rs: list[dict], key: str) -> float | None:
    vals = [r[key] for r in rs if not r.get("timeout") and r.get(key) is not None]  # older runs lack new keys
    return statistics.median(vals) if vals else None


def fmt_mb(v: float | None) -> str:
    return "–" if v is None else f"{v:.0f}"


def fmt_s(v: float | None) -> str:
    return "–" if v is None else (f"{v:.2f}" if v < 100 else f"{v:.0f}")


def write_report(data: dict, path: Path) -> None:
    v = data["versions"]
    lines = [
        "# Benchmark: watcher beside urlwatch (issue 8)", "",
        "Runs (each size's figures are those of the commit of the run that measured it):", "",
        *[f"- {r['started']}: `{r['command']}` at git {r.get('git', '?')} (load average at start "
          f"{r.get('load_at_start', '?')}): N = {', '.join(f'{n:,}' for n in r['sizes'])}."
          for r in data.get("runs", [])],
        "",
        f"- Machine: {v['cores']} cores, {v['cpu']}, {v['memory_gb']} GB RAM; {v['os']}, Linux {v['kernel']}.",
        f"- watcher {v['watcher']} on Python {v['python']} (httpx {v['httpx']}); urlwatch {v['urlwatch']} "
        f"(PyPI, own venv, Python {v['urlwatch_python']}, minidb cache, stdout reporter only); nginx {v['nginx']} "
        "(Debian package `nginx-light`; 1 worker, sendfile, keep-alive, `etag on`, `if_modified_since before`, "
        "no gzip).",
        "- N is the number of feeds **and** the number of listing pages: a run at N polls 2N URLs "
        "(N feeds: RSS 2.0 and Atom, 30-100 entries, 20-200 KB; N `page-list` HTML boards of 30-100 rows, "
        "20-200 KB; one source in ten EUC-KR, one in ten Shift_JIS). urlwatch gets the same 2N URLs as plain "
        "`url` jobs.",
        "- Cycles: **cold** = first poll of everything from an empty store / cache; **warm** = nothing changed "
        "(all 304); **changed** = 5% of the feeds and 5% of the pages rewritten with new items. watcher's cache "
        "directory (`WATCHER_CACHE_DIR`: the parsed configuration, the compiled lexicon) is kept from cycle to "
        "cycle, as a deployment keeps it: a cold cycle is the first poll of its sources, not the first run of a "
        "fresh install (whose first load of the lexicon compiles it: ~0.6 s more, once).",
        "- Each figure is the median of the repetitions (count in the `reps` column; the range is min–max of "
        "wall time). CPU = user+sys of the whole process tree: wait4's (the command and the descendants it "
        "reaped: watcher joins its worker processes at the end of a pooled cycle) plus that of any "
        "process of its session that outlived it (read from /proc); memory sampled from /proc every 100 ms: "
        "peak RSS = the larger of the command's own peak and the peak of the summed RSS of its processes; "
        "PSS = the peak of their summed proportional set size (pages shared by forked workers counted once). "
        "Requests and bytes come from nginx's access log (`$status $bytes_sent $request_length`; "
        "bytes = response bytes sent by nginx, headers included). *Other load* = CPU the rest of the machine "
        "(nginx, and whatever else ran) used during the cycle, in cores out of "
        f"{v['cores']}: the machine was shared with other work, so wall times above ~0.5 there are inflated.",
        "",
    ]
    for n_str, per_tool in sorted(data["sizes"].items(), key=lambda kv: int(kv[0])):
        n = int(n_str)
        run = next((r for r in data.get("runs", []) if n in r["sizes"]), {})
        lines += [f"## N = {n:,} ({2 * n:,} URLs)", "",
                  f"Measured {run.get('started', '?')} at git {run.get('git', '?')}.", "",
                  "| tool | cycle | reps | wall s (median) | wall range | CPU s | user s | sys s | peak RSS MB | PSS MB | procs | "
                  "200 / 304 / other | MB sent | KB of requests | CPU ms per URL | other load, cores |",
                  "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: |"]
        for tool, cycles in per_tool.items():
            for c in CYCLES:
                rs = cycles.get(c, [])
                ok = [r for r in rs if not r.get("timeout")]
                if not rs:
                    lines.append(f"| {tool} | {c} | 0 | not run | | | | | | | | | | | | |")
                    continue
                if not ok:
                    lines.append(f"| {tool} | {c} | 0 | timed out (> {data['timeout']:.0f} s) | | | | | | | | | | | | |")
                    continue
                walls = [r["wall"] for r in ok]
                cpu = med(ok, "cpu")
                lines.append(
                    f"| {tool} | {c} | {len(ok)} | **{fmt_s(med(ok, 'wall'))}** | {min(walls):.2f}–{max(walls):.2f} | "
                    f"**{fmt_s(cpu)}** | {fmt_s(med(ok, 'user'))} | {fmt_s(med(ok, 'sys'))} | {med(ok, 'rss_mb'):.0f} | "
                    f"{fmt_mb(med(ok, 'pss_mb'))} | {max(r.get('procs') or 1 for r in ok)} | "
                    f"{med(ok, 's200'):.0f} / {med(ok, 's304'):.0f} / {med(ok, 'other'):.0f} | "
                    f"{med(ok, 'bytes_sent') / 1e6:.1f} | {med(ok, 'bytes_received') / 1e3:.0f} | "
                    f"{1000 * cpu / (2 * n):.2f} | {med(ok, 'others_cores'):.2f} |")
        if {"watcher", "urlwatch"} <= per_tool.keys():
            parts = []
            for c in CYCLES:
                w, u = per_tool["watcher"].get(c, []), per_tool["urlwatch"].get(c, [])
                ww, wu, cw, cu = med(w, "wall"), med(u, "wall"), med(w, "cpu"), med(u, "cpu")
                if None not in (ww, wu, cw, cu):
                    parts.append(f"{c}: wall {ww / wu:.2f}×, CPU {cw / cu:.2f}×")
            if parts:
                lines += ["", "watcher ÷ urlwatch — " + "; ".join(parts) + " (below 1 means watcher is cheaper)."]
        if {"watcher-nocls", "urlwatch"} <= per_tool.keys():
            w, u = per_tool["watcher-nocls"].get("cold", []), per_tool["urlwatch"].get("cold", [])
            if None not in (med(w, "wall"), med(u, "wall")):
                lines += ["", f"Without its classifier (`watcher-nocls`, bench/noclassify.py: fetch, parse, diff and "
                          f"store only, the work urlwatch also does), watcher's cold cycle is {med(w, 'wall') / med(u, 'wall'):.2f}× "
                          f"urlwatch's wall time and {med(w, 'cpu') / med(u, 'cpu'):.2f}× its CPU."]
        warm = per_tool.get("watcher", {}).get("warm", [])
        if med(warm, "cpu") is not None:
            lines += ["", f"watcher's warm cycle costs **{1000 * med(warm, 'cpu') / (2 * n):.2f} ms CPU per source** "
                      f"({1000 * med(warm, 'cpu') / n:.2f} ms per N) and "
                      f"{med(warm, 'bytes_sent') / (2 * n):.0f} bytes received per source."]
        lines.append("")
    if data.get("skipped"):
        lines += ["Not run: " + "; ".join(data["skipped"]) + ".", ""]
    if data.get("store"):
        store_run = data.get("store_run", {})
        lines += ["## The store: `watcher changes --jurisdiction KR --since 30d`", "",
                  f"Measured {store_run.get('started', '?')} at git {store_run.get('git', '?')}.", "",
                  "Stores built with bulk inserts (bench/core_figures.py's `build_store`: changes spread over a year, "
                  "10 jurisdictions, 70% relevant). Median of "
                  f"{len(data['store'][0]['runs'])} runs after one warm-up; both formats print the default `--limit` (100 rows).", "",
                  "| changes stored | format | wall ms | CPU ms | peak RSS MB | rows printed |",
                  "| ---: | --- | ---: | ---: | ---: | ---: |"]
        for r in data["store"]:
            lines.append(f"| {r['changes']:,} | {r['format']} | {r['wall'] * 1000:.0f} | {r['cpu'] * 1000:.0f} | "
                         f"{r['rss_mb']:.0f} | {r.get('rows', '') if r.get('rows') is not None else ''} |")
        lines.append("")
    if data.get("help"):
        lines += [f"`watcher --help`: {data['help']['wall'] * 1000:.0f} ms wall, {data['help']['cpu'] * 1000:.0f} ms "
                  "CPU (median of 7).", ""]
    lines += ["![cycle wall time against N](cycle_time.png)", "",
              "Raw figures of every repetition: `results.json`. How to run: `README.md`."]
    path.write_text("\n".join(lines) + "\n")


def write_profile(prof: dict, n: int, path: Path) -> None:
    lines = [f"# Where watcher's CPU goes: py-spy at N = {n:,} ({2 * n:,} URLs)", "",
             "Sampled with `py-spy record --subprocesses --format raw` (on-CPU threads only, of the polling process "
             "and of its worker processes), one cold and one warm `watcher poll` "
             "against the benchmark's nginx. Self = samples in the function itself; inclusive = samples with the "
             "function anywhere on the stack. Regenerate with `python bench/run.py --profile-only`.", ""]
    for name in ("cold", "warm"):
        p = prof[name]
        lines += [f"## {name} cycle ({p['samples']:,} samples)", "", "| self % | function |", "| ---: | --- |"]
        lines += [f"| {pct:.1f} | `{f}` |" for f, pct in p["self"][:20]]
        lines += ["", "| inclusive % | function |", "| ---: | --- |"]
        lines += [f"| {pct:.1f} | `{f}` |" for f, pct in p["inclusive"][:25]]
        lines.append("")
    path.write_text("\n".join(lines) + "\n")


def plot(results_json: Path, png: Path) -> None:
    code = BENCH / "plot.py"
    try:
        import matplotlib  # noqa: F401
        python = sys.executable
    except ImportError:
        python = str(ensure_venv(PLOT_VENV, ["matplotlib", "py-spy"], "py-spy"))
    subprocess.run([python, str(code), str(results_json), str(png)], check=True)


# ---------------------------------------------------------------- main


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100,1000,5000", help="values of N (N feeds + N pages each)")
    ap.add_argument("--reps", type=int, default=3, help="repetitions of each cycle")
    ap.add_argument("--large-reps", type=int, default=1, help="repetitions at N >= --large (default 1)")
    ap.add_argument("--large", type=int, default=5000)
    ap.add_argument("--tools", default="watcher,urlwatch",
                    help="any of watcher, urlwatch, watcher-nocls (watcher with its classifier off)")
    ap.add_argument("--urlwatch-max-n", type=int, default=5000, help="skip urlwatch above this N")
    ap.add_argument("--timeout", type=float, default=900, help="seconds before a cycle is killed (that tool stops at that N)")
    ap.add_argument("--store-sizes", default="100000,1000000")
    ap.add_argument("--store-runs", type=int, default=5)
    ap.add_argument("--no-store", action="store_true")
    ap.add_argument("--store-only", action="store_true",
                    help="only the store queries and `watcher --help`, merged into the existing results.json")
    ap.add_argument("--profile", action="store_true", help="also profile watcher at --profile-n with py-spy")
    ap.add_argument("--profile-only", action="store_true", help="only the profile (writes bench/PROFILE.md)")
    ap.add_argument("--profile-n", type=int, default=1000)
    ap.add_argument("--profile-rate", type=int, default=250)
    ap.add_argument("--quick", action="store_true", help="smoke run: N=100, 1 rep, stores of 10,000 changes")
    ap.add_argument("--out", default=str(BENCH), help="where RESULTS.md, results.json and cycle_time.png go")
    ap.add_argument("--workdir", help="work directory (default: a new one under /tmp)")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--merge", action="store_true",
                    help="add these sizes to the existing results.json (e.g. N=5000 run on its own) and rewrite the report")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.reps, args.store_sizes, args.store_runs = "100", 1, "10000", 3
    sizes = [int(x) for x in args.sizes.split(",") if x]
    tools_wanted = [t.strip() for t in args.tools.split(",") if t.strip()]
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    if not Path(NGINX).exists():
        sys.exit("nginx not found: apt-get install -y nginx-light")
    if "urlwatch" in tools_wanted:
        ensure_venv(UW_VENV, ["urlwatch"], "urlwatch")

    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="watcher-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    work.chmod(0o755)  # nginx's workers (not root) must reach the files
    # watcher's cache directory (parsed configuration, compiled lexicon) is the run's own,
    # not the user's: filled by the first cycle and kept, as a deployment keeps it.
    os.environ["WATCHER_CACHE_DIR"] = str(work / "watcher-cache")
    root = work / "www"
    nginx = Nginx(work / "nginx", root)
    started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    command = "python bench/run.py " + " ".join(sys.argv[1:])
    data: dict = {"timeout": args.timeout, "sizes": {}, "skipped": [], "runs": []}
    if args.store_only:
        args.merge, sizes = True, []
    if args.merge and (out / "results.json").exists():
        old = json.loads((out / "results.json").read_text())
        if "runs" not in old:  # written before runs were recorded one by one
            old["runs"] = [{"started": old.get("started", "?"), "command": old.get("command", "?"),
                            "git": old.get("versions", {}).get("git", "?"),
                            "load_at_start": old.get("versions", {}).get("load_at_start", "?"),
                            "sizes": [int(n) for n in old["sizes"]]}]
        for run in old["runs"]:  # the sizes run again now are no longer that run's
            run["sizes"] = [n for n in run["sizes"] if n not in sizes]
        old["runs"] = [r for r in old["runs"] if r["sizes"]]
        old["skipped"] = [x for x in old.get("skipped", []) if not any(f"N={n:,}" in x for n in sizes)]
        data = old
    this_run = {"started": started, "command": command.strip(), "sizes": sizes}
    data["runs"].append(this_run)
    print(f"work directory {work}", flush=True)

    def on_signal(signum, _frame):  # noqa: ANN001
        raise KeyboardInterrupt(f"signal {signum}")
    signal.signal(signal.SIGTERM, on_signal)
    try:
        data["versions"] = versions()
        this_run.update(git=data["versions"]["git"], load_at_start=data["versions"]["load_at_start"])
        print(json.dumps(data["versions"]), flush=True)

        def measure_store() -> None:
            print("store queries ...", flush=True)
            data["help"] = help_time(work)
            data["store"] = store_queries(work, [int(x) for x in args.store_sizes.split(",") if x], args.store_runs)
            data["store_run"] = {"started": started, "command": command.strip(), "git": this_run["git"]}

        if args.store_only:
            data["runs"].remove(this_run)
            measure_store()
            (out / "results.json").write_text(json.dumps(data, indent=1))
            write_report(data, out / "RESULTS.md")
            print(f"wrote {out / 'RESULTS.md'}, {out / 'results.json'}", flush=True)
            return 0
        need = args.profile_n if args.profile_only else max(sizes + ([args.profile_n] if args.profile else []))
        t0 = time.perf_counter()
        total = gen.generate(root, need)
        print(f"generated {2 * need:,} files, {total / 1e6:.0f} MB, in {time.perf_counter() - t0:.1f}s", flush=True)
        nginx.start()
        print(f"nginx on {nginx.base}", flush=True)
        versions_map: dict[tuple[str, int], int] = {}

        if args.profile_only:
            prof = profile(work, nginx, args.profile_n, args.profile_rate)
            write_profile(prof, args.profile_n, out / "PROFILE.md")
            print(f"wrote {out / 'PROFILE.md'}", flush=True)
            return 0

        logdir = work / "logs"
        logdir.mkdir(exist_ok=True)
        for n in sizes:
            tools = []
            for t in tools_wanted:
                if t == "urlwatch" and n > args.urlwatch_max_n:
                    data["skipped"].append(f"urlwatch at N={n:,} (above --urlwatch-max-n)")
                    continue
                kind = {"watcher": WatcherTool, "watcher-nocls": WatcherNoClassifierTool, "urlwatch": UrlwatchTool}[t]
                tools.append(kind(work, nginx.base, n))
            reps = args.large_reps if n >= args.large else args.reps
            print(f"N={n:,}: {2 * n:,} URLs, {reps} reps, tools {[t.name for t in tools]}", flush=True)
            data["sizes"][str(n)] = run_size(n, reps, tools, nginx, root, versions_map, args.timeout, logdir)
            (out / "results.json").write_text(json.dumps(data, indent=1))
            for t in tools:  # the stores of a finished size are not needed any more
                shutil.rmtree(t.dir, ignore_errors=True)

        if not args.no_store and not args.merge:
            measure_store()
        (out / "results.json").write_text(json.dumps(data, indent=1))
        write_report(data, out / "RESULTS.md")
        plot(out / "results.json", out / "cycle_time.png")
        print(f"wrote {out / 'RESULTS.md'}, {out / 'results.json'}, {out / 'cycle_time.png'}", flush=True)
        if args.profile:
            prof = profile(work, nginx, args.profile_n, args.profile_rate)
            write_profile(prof, args.profile_n, out / "PROFILE.md")
            print(f"wrote {out / 'PROFILE.md'}", flush=True)
        return 0
    finally:
        nginx.stop()
        for proc in list(_live):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
        if args.keep:
            print(f"kept {work}", flush=True)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
