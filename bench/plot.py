"""Plot cycle wall time against N for both tools: python bench/plot.py results.json cycle_time.png"""

from __future__ import annotations

import json
import statistics
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLOURS = {"watcher": "tab:blue", "urlwatch": "tab:red", "watcher-nocls": "tab:cyan"}
STYLES = {"cold": ("-", "o"), "warm": ("--", "s"), "changed": (":", "^")}


def main(src: str, dst: str) -> None:
    with open(src) as f:
        data = json.load(f)
    fig, ax = plt.subplots(figsize=(7.5, 5))
    tools = sorted({t for per in data["sizes"].values() for t in per}, key=lambda t: t != "watcher")
    for tool in tools:
        for cycle, (ls, marker) in STYLES.items():
            xs, ys = [], []
            for n, per in sorted(data["sizes"].items(), key=lambda kv: int(kv[0])):
                runs = [r for r in per.get(tool, {}).get(cycle, []) if not r.get("timeout")]
                if runs:
                    xs.append(int(n))
                    ys.append(statistics.median(r["wall"] for r in runs))
            if xs:
                ax.plot(xs, ys, ls=ls, marker=marker, color=COLOURS.get(tool), label=f"{tool} {cycle}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("N (N feeds + N listing pages = 2N URLs)")
    ax.set_ylabel("cycle wall time, s (median)")
    v = data.get("versions", {})
    ax.set_title(f"Polling cycle time, nginx on 127.0.0.1, {v.get('cores', '?')} cores", fontsize=11)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(fontsize=8, ncol=2)
    fig.tight_layout()
    fig.savefig(dst, dpi=120)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
