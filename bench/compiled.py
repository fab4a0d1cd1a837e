"""What compiling watcher's own Python would buy (not part of the test run).

    python bench/compiled.py [--n 200] [--out bench/COMPILED.md]

The per-entry work of a cold cycle (bench/STAGES.md) is Python: parse and classify
are most of it. This measures the two stages on the same N feeds and N listing
pages (bench/gen.py, in memory: no server), once with watcher as it is and once
with its parse and classify modules (MODULES) compiled to C extensions by mypyc
(mypy's compiler for type-annotated Python; installed into its own venv, the
modules compiled in a temporary copy of the package; nothing in the checkout
changes). Each tree runs in a fresh process; CPU = `time.process_time()`, the
best of three passes. The parse and classification outputs of both trees are
hashed: they must be equal. Writes the table to `--out` (bench/COMPILED.md).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
VENV = Path(tempfile.gettempdir()) / "mypycvenv"
MODULES = [
    "watcher/classify/__init__.py", "watcher/classify/anchors.py", "watcher/classify/dates.py",
    "watcher/classify/jurisdictions.py", "watcher/classify/relevance.py", "watcher/classify/tags.py",
    "watcher/classify/text.py", "watcher/text.py", "watcher/urls.py", "watcher/diff.py",
    "watcher/sources/fastfeed.py", "watcher/sources/html.py", "watcher/sources/dates.py",
]  # not lexicon.py (loaded once per process; its YAML loader class has a dynamic base mypyc refuses)


def measure(n: int) -> dict:
    """Parse and classify N feeds and N pages in this process: µs per entry and output hashes."""
    sys.path.insert(0, str(BENCH))
    import gen
    import run

    from watcher.classify.lexicon import get_lexicon
    from watcher.config import load_config
    from watcher.fetch import FetchResult
    from watcher.prepare import classify_for_source
    from watcher.sources import source_types

    with tempfile.TemporaryDirectory() as tmp:
        sources = load_config(run.WatcherTool(Path(tmp), "http://127.0.0.1:9", n).config).sources
    results = []
    for s in sources:
        kind, k = s.id.split("-")
        body = gen.feed(int(k)) if kind == "feed" else gen.page(int(k))
        results.append(FetchResult(s.id, s.url, final_url=s.url, status=200, body=body,
                                   content_type="text/xml" if kind == "feed" else "text/html"))
    get_lexicon()
    parse_cpu, classify_cpu = [], []
    for _ in range(3):
        started = time.process_time()
        parsed = [source_types()[s.type].parse(s, r) for s, r in zip(sources, results, strict=True)]
        parse_cpu.append(time.process_time() - started)
        started = time.process_time()
        classified = [[classify_for_source(s, item) for item in p.items] for s, p in zip(sources, parsed, strict=True)]
        classify_cpu.append(time.process_time() - started)
    entries = sum(len(p.items) for p in parsed)
    items = hashlib.sha256(repr([[(i.key, i.title, i.url, i.published, i.text) for i in p.items]
                                 for p in parsed]).encode()).hexdigest()[:16]
    labels = hashlib.sha256(repr(classified).encode()).hexdigest()[:16]
    compiled = sys.modules["watcher.classify.dates"].__file__.endswith((".so", ".pyd"))
    return {"entries": entries, "parse_us": min(parse_cpu) / entries * 1e6,
            "classify_us": min(classify_cpu) / entries * 1e6, "items": items, "labels": labels, "compiled": compiled}


def in_tree(tree: Path, n: int) -> dict:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    out = subprocess.run([sys.executable, __file__, "--measure", "--n", str(n)], env=env, cwd=tree,
                         capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=200, help="N feeds and N pages (default 200)")
    parser.add_argument("--out", default=str(BENCH / "COMPILED.md"), help="where the table goes")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.n)))
        return 0
    if not (VENV / "bin" / "mypyc").exists():
        print(f"setting up {VENV} (mypy) ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        subprocess.run([str(VENV / "bin" / "pip"), "install", "-q", "mypy"], check=True)
    mypy_version = subprocess.run([str(VENV / "bin" / "mypyc"), "--version"], capture_output=True, text=True).stdout
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with tempfile.TemporaryDirectory(prefix="watcher-mypyc-") as tmp:
        copy = Path(tmp)
        shutil.copytree(ROOT / "watcher", copy / "watcher", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
        subprocess.run([str(VENV / "bin" / "mypyc"), "--ignore-missing-imports", *MODULES], cwd=copy, check=True,
                       stdout=subprocess.DEVNULL)
        pure, compiled = in_tree(ROOT, args.n), in_tree(copy, args.n)
    if pure["compiled"] or not compiled["compiled"]:
        raise SystemExit("the compiled modules were not the ones measured")
    same = pure["items"] == compiled["items"] and pure["labels"] == compiled["labels"]
    sys.path.insert(0, str(BENCH))
    import run

    v = run.versions()
    rows = [(stage, pure[f"{stage}_us"], compiled[f"{stage}_us"]) for stage in ("parse", "classify")]
    rows.append(("both", sum(r[1] for r in rows), sum(r[2] for r in rows)))
    text = "\n".join([
        "# watcher's parse and classify stages, compiled with mypyc (bench/compiled.py)", "",
        f"`python bench/compiled.py --n {args.n}`, {started}, git {v['git']}; {v['cores']} cores, {v['cpu']}; "
        f"Python {v['python']}; {mypy_version.strip()}.", "",
        f"{pure['entries']:,} entries (N = {args.n:,} feeds and N listing pages of bench/gen.py). CPU per entry, "
        "best of three passes, each tree in a fresh process. Compiled: " + ", ".join(f"`{m}`" for m in MODULES) + ".",
        "", "| stage | pure Python, µs per entry | compiled, µs per entry | compiled ÷ pure |",
        "| --- | ---: | ---: | ---: |",
        *[f"| {stage} | {a:.0f} | {b:.0f} | {b / a:.2f} |" for stage, a, b in rows], "",
        f"Items and classifications of both trees: {'identical' if same else 'DIFFERENT'} "
        f"(hashes {pure['items']} / {pure['labels']}).", "",
    ])
    Path(args.out).write_text(text, encoding="utf-8")
    print(text)
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
