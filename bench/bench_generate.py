"""Benchmark the generator: sessions, seconds, sessions/s and peak RSS at three sizes.

    python bench/bench_generate.py                 # small, ~1M and ~10M sessions (a few minutes)
    python bench/bench_generate.py --sizes small,1m

Each size runs in a fresh child process, so its peak RSS (ru_maxrss) is its own; the figures are
printed and written to bench/results/generate.md. Targets (issue 3): 1M sessions < 60 s,
10M < 10 min, memory flat as the size grows.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "generate.md"
END_DATE = date(2026, 3, 8)
SIZES = {  # name -> generate flags; sessions ~ days x zones x slots_per_zone x 3.3
    "small": {"days": 30, "zones": 6, "slots_per_zone": 40},
    "1m": {"days": 365, "zones": 12, "slots_per_zone": 70},
    "10m": {"days": 1095, "zones": 24, "slots_per_zone": 120},
}
TARGETS = {"1m": 60, "10m": 600}

CHILD = """
import json, resource, sys, time
from datetime import date
from pathlib import Path
from parking_warehouse.generator import generate_database
flags = json.loads(sys.argv[1])
started = time.perf_counter()
summary = generate_database(Path(sys.argv[2]), end_date=date.fromisoformat(sys.argv[3]),
                            timezone="Europe/Berlin", seed=42, **flags)
seconds = time.perf_counter() - started
print(json.dumps({"sessions": summary.sessions, "payments": summary.row_counts["backend_core_payment"],
                  "seconds": seconds, "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                  "file_mb": Path(sys.argv[2]).stat().st_size / 2**20}))
"""


def run_size(name: str, folder: Path) -> dict:
    path = folder / f"{name}.sqlite3"
    flags = SIZES[name]
    out = subprocess.run(
        [sys.executable, "-c", CHILD, json.dumps(flags), str(path), END_DATE.isoformat()],
        check=True, capture_output=True, text=True).stdout
    path.unlink()
    figures = json.loads(out.strip().splitlines()[-1])
    figures.update(name=name, flags=flags)
    return figures


def flag_text(flags: dict) -> str:
    return " ".join(f"--{k.replace('_', '-')} {v}" for k, v in flags.items())


def write_results(results: list[dict]) -> None:
    lines = [
        "# Generator benchmark",
        "",
        (f"`python bench/bench_generate.py` on {platform.node() or 'this machine'} "
        f"({os.cpu_count()} cores, Python {platform.python_version()}), time zone Europe/Berlin, "
        f"seed 42, `--end-date {END_DATE}`. Each size runs in its own process; peak RSS is that "
        "process's maximum resident set size (Python, numpy, pandas and SQLite's 64 MB page cache "
        "included)."),
        "",
        "| size | flags | sessions | payments | seconds | sessions/s | peak RSS (MB) | file (MB) | target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        target = TARGETS.get(r["name"])
        verdict = "" if target is None else f"< {target} s: {'met' if r['seconds'] < target else 'MISSED'}"
        lines.append(
            f"| {r['name']} | `{flag_text(r['flags'])}` | {r['sessions']:,} | {r['payments']:,} | "
            f"{r['seconds']:.1f} | {r['sessions'] / r['seconds']:,.0f} | {r['peak_rss_mb']:.0f} | "
            f"{r['file_mb']:.0f} | {verdict} |")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="small,1m,10m", help="comma-separated: " + ",".join(SIZES))
    parser.add_argument("--no-write", action="store_true", help="print only; leave the results file alone")
    args, _ = parser.parse_known_args()
    names = [n for n in args.sizes.split(",") if n]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-generate-") as folder:
        print(f"{'size':<6} {'sessions':>11} {'seconds':>8} {'sessions/s':>11} {'peak RSS MB':>12}")
        for name in names:
            r = run_size(name, Path(folder))
            results.append(r)
            print(f"{name:<6} {r['sessions']:>11,} {r['seconds']:>8.1f} {r['sessions'] / r['seconds']:>11,.0f} "
                  f"{r['peak_rss_mb']:>12.0f}", flush=True)
    missed = [r["name"] for r in results if r["name"] in TARGETS and r["seconds"] >= TARGETS[r["name"]]]
    if not args.no_write:
        write_results(results)
        print(f"written to {RESULTS}")
    if missed:
        print(f"missed the time target: {', '.join(missed)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
