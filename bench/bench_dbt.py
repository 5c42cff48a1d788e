"""Benchmark the dbt build on ~10M sessions: a full build, then one daily incremental build.

    python bench/bench_dbt.py                       # generate (cached), extract, build, append, build
    python bench/bench_dbt.py --size 1m             # a smaller run
    python bench/bench_dbt.py --work /data/bench    # where the source and warehouse live

Steps: generate the source with the generator (cached in WORK as <size>.sqlite3; the daily step
appends a day to a copy), extract it to raw, `build_models(full_refresh=True)` for D, then the
next day: `append_days(1)`, incremental extract, `build_models` for D+1. The same two builds then
run on the small source (about 33k sessions; `--no-floor` skips them): their daily build is
dbt's fixed cost, what any daily build pays whatever the history. The figures are printed and
written to bench/results/dbt.md. Targets (issue 5): full build < 120 s on 10M sessions,
daily incremental < 10 % of that.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from machine import reference_seconds

from parking_warehouse.generator import append_days, generate_database
from parking_warehouse.transform import build_models

RESULTS = Path(__file__).parent / "results" / "dbt.md"
NOTES = """\
## Where the time goes

- Full build: typing 10M sessions and 10M payments from VARCHAR (`int_*__checked`), the two
  facts (10M rows each, local times through ICU, the payment summary per session), then
  `vehicle_analytics` (2M vehicles) and the key tests on the 10M-row tables.
- Daily build: the incremental models touch only the day's rows (plus the 3-day look-back), but
  every run still (a) finds the trusted rows missing from each fact (an anti join of 10M ids,
  about 0.8 s each), (b) recomputes the as-of-T marts over all history (most are one scan of a
  fact, 0.3-1 s each), (c) runs the relationship and reconciliation tests over the 10M-row
  tables (the key tests of the incremental models check only the rows of the latest build:
  `primary_key` with `built_at_column`), and (d) pays dbt's own cost for ~150 nodes: the
  small-source row above, about 6 s, is 80 % of the 10 % budget on its own.
- dbt parses the project once per warehouse file: the run date and time zone reach the macros
  through the environment at execution time, not `--vars` (a changed `--vars` forces a full
  parse, about 2 s).
- This VM's 2 cores are shared with other work: compare the reference query's time with its
  idle 0.5 s before reading the wall times; CPU seconds (all threads of the build) move less.
"""
END_DATE = date(2026, 3, 7)
TIMEZONE = "Europe/Berlin"
SIZES = {  # same shapes as bench_generate.py
    "small": {"days": 30, "zones": 6, "slots_per_zone": 40},
    "1m": {"days": 365, "zones": 12, "slots_per_zone": 70},
    "10m": {"days": 1095, "zones": 24, "slots_per_zone": 120},
}


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed(label: str, function, *args, **kwargs):
    """Run `function`; return its value, wall seconds and CPU seconds (all threads of this process:
    dbt and DuckDB run in-process). On a machine shared with other work the wall time swings
    with the load; the CPU time much less."""
    started, cpu_started = time.perf_counter(), cpu_seconds()
    value = function(*args, **kwargs)
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    print(f"{label}: {seconds:.1f} s wall, {cpu:.1f} s CPU", flush=True)
    return value, seconds, cpu


def row_count(warehouse: Path, table: str) -> int:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(f"select count(*) from {table}").fetchone()[0]
    finally:
        con.close()


def build_full_then_daily(size: str, work: Path, dirty_rate: float) -> dict:
    """Generate (cached) and extract a source of `size`, build it in full for D, append a day,
    extract it incrementally and build D + 1: the figures of both builds."""
    from extract import extract_to_raw

    work.mkdir(parents=True, exist_ok=True)
    pristine = work / f"{size}-{dirty_rate}.sqlite3"
    if not pristine.exists():
        timed("generate", generate_database, pristine, end_date=END_DATE, timezone=TIMEZONE,
              seed=42, dirty_rate=dirty_rate, **SIZES[size])
    source = work / "source.sqlite3"
    warehouse = work / "warehouse.duckdb"
    shutil.copyfile(pristine, source)
    for path in work.glob("warehouse.duckdb*"):
        shutil.rmtree(path) if path.is_dir() else path.unlink()

    _, extract_seconds, _ = timed(f"{size}: extract (full)", extract_to_raw, str(source), warehouse)
    full, full_seconds, full_cpu = timed(f"{size}: dbt build (full refresh)", build_models,
                                         warehouse, run_date=END_DATE, timezone=TIMEZONE,
                                         full_refresh=True)
    timed(f"{size}: append one day", append_days, source, days=1, dirty_rate=dirty_rate)
    _, extract2_seconds, _ = timed(f"{size}: extract (incremental)", extract_to_raw, str(source),
                                   warehouse)
    daily, daily_seconds, daily_cpu = timed(f"{size}: dbt build (daily incremental)", build_models,
                                            warehouse, run_date=END_DATE + timedelta(days=1),
                                            timezone=TIMEZONE)
    return {
        "full": full, "full_seconds": full_seconds, "full_cpu": full_cpu,
        "daily": daily, "daily_seconds": daily_seconds, "daily_cpu": daily_cpu,
        "extract_seconds": extract_seconds, "extract2_seconds": extract2_seconds,
        "sessions": row_count(warehouse, "core.fct_parking_sessions"),
        "payments": row_count(warehouse, "core.fct_payments"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="10m")
    parser.add_argument("--work", type=Path, default=Path("/tmp/parking-bench"))
    parser.add_argument("--dirty-rate", type=float, default=0.001)
    parser.add_argument("--no-floor", action="store_true",
                        help="skip the same two builds on the small source (dbt's fixed cost)")
    args = parser.parse_args()

    load = os.getloadavg()[0]
    reference_before = reference_seconds()
    run = build_full_then_daily(args.size, args.work, args.dirty_rate)
    load = max(load, os.getloadavg()[0])
    reference_after = reference_seconds()
    floor = None if args.no_floor else build_full_then_daily("small", args.work / "small",
                                                             args.dirty_rate)
    load = max(load, os.getloadavg()[0])
    full, daily = run["full"], run["daily"]
    print(full)
    print(daily)

    slowest_full = sorted(full.nodes, key=lambda n: -n.seconds)[:8]
    slowest_daily = sorted(daily.nodes, key=lambda n: -n.seconds)[:8]
    ratio = run["daily_seconds"] / run["full_seconds"]
    lines = [
        "# dbt build benchmark",
        "",
        (f"`python bench/bench_dbt.py --size {args.size}` on {platform.node() or 'this machine'} "
         f"({os.cpu_count()} cores, shared), time zone {TIMEZONE}, dirty rate {args.dirty_rate}: "
         f"{run['sessions']:,} trusted sessions, {run['payments']:,} trusted payments "
         f"({len(full.nodes)} dbt nodes: models, tests, exposures). Load average of the machine "
         f"during the run (other work included): up to {load:.1f}; the reference query "
         f"(`reference_seconds`, about 0.5 s when the machine is idle) took "
         f"{reference_before:.2f} s before and {reference_after:.2f} s after."),
        "",
        "| step | wall s | CPU s | target |",
        "|---|---:|---:|---|",
        f"| extract, full (not part of the target) | {run['extract_seconds']:.1f} | | |",
        (f"| dbt build, full refresh, D = {END_DATE} | {run['full_seconds']:.1f} | "
         f"{run['full_cpu']:.1f} | < 120 s: {'met' if run['full_seconds'] < 120 else 'MISSED'} |"),
        f"| extract, incremental, one appended day | {run['extract2_seconds']:.1f} | | |",
        (f"| dbt build, daily incremental, D + 1 | {run['daily_seconds']:.1f} | "
         f"{run['daily_cpu']:.1f} | < 10 % of full ({ratio:.0%}): "
         f"{'met' if ratio < 0.10 else 'MISSED'} |"),
    ]
    if floor:
        lines.append(
            f"| the same daily build on the small source ({floor['sessions']:,} sessions): "
            f"dbt's fixed cost | {floor['daily_seconds']:.1f} | {floor['daily_cpu']:.1f} | |")
    lines += [
        "",
        "Slowest nodes, full build: " + ", ".join(f"{n.name} {n.seconds:.1f} s" for n in slowest_full),
        "",
        "Slowest nodes, daily build: " + ", ".join(f"{n.name} {n.seconds:.1f} s" for n in slowest_daily),
        "",
        NOTES,
    ]
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text("\n".join(lines))
    print("\n".join(lines))


if __name__ == "__main__":
    main()
