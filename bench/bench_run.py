"""Benchmark the whole daily run, as an operator waits for it, and the questions it answers.

    python bench/bench_run.py                        # 100k sessions (what CI can afford; printed)
    python bench/bench_run.py --sizes 1m,10m --keep /data/bench   # a city's scale: make bench-city (~1 h)

Per size, in one run:
- generation of the operational SQLite source (generator, seed 42, dirty rate 0.2 %; reused from
  --keep when already there);
- the first full run (`run_daily` for the last generated day) and, after `append_days 1` (an
  ordinary day: no slot leaves service), the daily run of the next day: total and per step, peak
  memory of the whole process tree (RSS of the process and its children, sampled every 50 ms),
  and where the build's time went (dbt's slowest nodes); then one more day on which a slot leaves
  service, which makes zone_day_kpis recompute every past day;
- the same next day again through the steps one process each, as Airflow's scheduler runs the
  DAG's tasks (on a copy of the state before the daily run);
- correctness: a second build of the same day from nothing (full extract and build) must give
  the same marts, row for row, and the same report files;
- the nine questions answered from the published marts (the SQL an analyst or a BI tool sends,
  p50 and p95 over repeated runs on one read-only connection) against a **baseline**: the same
  questions the operational system's way, SQL on the operational SQLite database with the
  indexes Django creates (one per foreign key), at request time;
- a **floor**: one DuckDB scan of the raw sessions and payments; the full build as a multiple of it.

Figures are printed and written to bench/results/run.md. Targets (issue 11): first full run at
10m under 4 minutes and 4 GB; daily run under 30 s and 2 GB; each question under 10 ms p50.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import psutil
from machine import reference_seconds

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "run.md"
END_DATE = date(2026, 3, 8)
TIMEZONE = "Europe/Berlin"
DIRTY_RATE = 0.002
SIZES = {  # sessions ~ days x zones x slots_per_zone x 3.3
    "100k": {"days": 90, "zones": 6, "slots_per_zone": 56},
    "1m": {"days": 365, "zones": 12, "slots_per_zone": 70},
    "10m": {"days": 1095, "zones": 24, "slots_per_zone": 120},
}
STEPS = ("extract", "validate_raw", "build", "validate_marts", "publish", "materialise_reports")

RUN = """
import json, os, sys
from datetime import date
from parking_warehouse.config import Settings
from parking_warehouse.pipeline import run_daily
settings = Settings.resolve({"source": sys.argv[1], "warehouse": sys.argv[2], "reports_dir": sys.argv[3],
                             "timezone": sys.argv[4], "engine": sys.argv[6]})
result = run_daily(settings, date.fromisoformat(sys.argv[5]))
open(os.environ["BENCH_RESULT_FILE"], "w").write(json.dumps({"steps": result.seconds, "build": result.build}))
"""

STEP = """
import json, os, sys, time
from datetime import date
from parking_warehouse import pipeline
from parking_warehouse.config import Settings
settings = Settings.resolve({"source": sys.argv[1], "warehouse": sys.argv[2], "reports_dir": sys.argv[3],
                             "timezone": sys.argv[4]})
run = pipeline.Run(settings, date.fromisoformat(sys.argv[5]), sys.argv[6])
started = time.perf_counter()
getattr(pipeline, sys.argv[7] + "_step")(run)
open(os.environ["BENCH_RESULT_FILE"], "w").write(json.dumps(time.perf_counter() - started))
"""

GENERATE = """
import json, sys
from datetime import date
from pathlib import Path
from parking_warehouse.generator import generate_database
generate_database(Path(sys.argv[1]), end_date=date.fromisoformat(sys.argv[2]), timezone=sys.argv[3],
                  seed=42, dirty_rate=float(sys.argv[4]), **json.loads(sys.argv[5]))
"""

APPEND = """
import sys
from pathlib import Path
from parking_warehouse.generator import append_days
append_days(Path(sys.argv[1]), days=1, seed=int(sys.argv[2]), dirty_rate=float(sys.argv[3]),
            retire_slot=sys.argv[4] == "retire")
"""


# --------------------------------------------------------------------------- measuring processes


class TreeMemory:
    """Peak RSS of a process and all its descendants together, sampled in a thread."""

    def __init__(self, pid: int, interval: float = 0.05):
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                total = sum(p.memory_info().rss for p in [root, *root.children(recursive=True)])
                self.peak = max(self.peak, total)
            except psutil.Error:
                pass
            self._stop.wait(self.interval)

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.peak / 2**20


def child(code: str, *args: str) -> tuple[str, float, float]:
    """Run python code in a child process: what it wrote to $BENCH_RESULT_FILE, wall seconds
    and peak tree RSS (MB). (A file, not stdout: dbt and Airflow take over the standard streams.)"""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_file = Path(handle.name)
    env = dict(os.environ, PYTHONPATH=str(REPO), BENCH_RESULT_FILE=str(result_file))
    started = time.perf_counter()
    process = subprocess.Popen([sys.executable, "-c", code, *args], stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True, cwd=REPO, env=env)
    memory = TreeMemory(process.pid)
    _, err = process.communicate()
    seconds = time.perf_counter() - started
    peak = memory.stop()
    written = result_file.read_text()
    result_file.unlink()
    if process.returncode:
        sys.exit(f"bench_run: a child failed ({' '.join(args)}):\n{err[-3000:]}")
    return written, seconds, peak


# --------------------------------------------------------------------------- the run


def source_for(size: str, keep: Path) -> tuple[Path, float | None]:
    path = keep / f"run-{size}.sqlite3"
    if path.exists():
        return path, None
    _, seconds, _ = child(GENERATE, str(path), END_DATE.isoformat(), TIMEZONE, str(DIRTY_RATE),
                          json.dumps(SIZES[size]))
    return path, seconds


def pipeline_run(source: Path, work: Path, run_date: date, engine: str = "duckdb") -> dict:
    out, seconds, peak = child(RUN, str(source), str(work / "warehouse.duckdb"), str(work / "reports"),
                               TIMEZONE, run_date.isoformat(), engine)
    return {"seconds": seconds, "peak_mb": peak} | json.loads(out)


def stepwise_run(source: Path, work: Path, run_date: date) -> dict:
    """Each step in its own process, as the Airflow scheduler runs each task of parking_daily."""
    run_id = f"bench_stepwise_{run_date.isoformat()}"
    steps, peak, started = {}, 0.0, time.perf_counter()
    for step in STEPS:
        out, _, step_peak = child(STEP, str(source), str(work / "warehouse.duckdb"), str(work / "reports"),
                                  TIMEZONE, run_date.isoformat(), run_id, step)
        steps[step] = json.loads(out)
        peak = max(peak, step_peak)
    return {"seconds": time.perf_counter() - started, "steps": steps, "peak_mb": peak}


def append_day(source: Path, seed: int, *, retire_slot: bool = False) -> float:
    """One more day in the source: an ordinary one, or one on which a slot leaves service."""
    _, seconds, _ = child(APPEND, str(source), str(seed), str(DIRTY_RATE), "retire" if retire_slot else "keep")
    return seconds


# --------------------------------------------------------------------------- correctness

COMPARE = """
import json, os, sys, duckdb
con = duckdb.connect()
con.execute(f"attach '{sys.argv[1]}' as a (read_only)")
con.execute(f"attach '{sys.argv[2]}' as b (read_only)")
tables = [t for (t,) in con.execute(
    "select table_name from duckdb_tables() where database_name = 'a' and schema_name = 'marts' "
    "and table_name <> 'analytics_reports' order by 1").fetchall()]
differences = {}
for table in tables:
    columns = [c for (c,) in con.execute(
        "select column_name from duckdb_columns() where database_name = 'a' and schema_name = 'marts' "
        "and table_name = ? and not starts_with(column_name, '_') and column_name <> 'generated_at' "
        "order by column_index", [table]).fetchall()]
    listed = ", ".join(f'"{c}"' for c in columns)
    # system_metrics keeps one row per run date: the fresh build ran only the last one
    where = f"where run_date = '{sys.argv[3]}'" if table == "system_metrics" else ""
    a, b = f"select {listed} from a.marts.{table} {where}", f"select {listed} from b.marts.{table} {where}"
    count = con.execute(
        f"select count(*) from (({a} except all {b}) union all ({b} except all {a}))").fetchone()[0]
    if count:
        differences[table] = count
open(os.environ["BENCH_RESULT_FILE"], "w").write(json.dumps({"tables": len(tables), "differences": differences}))
"""

# files whose bytes hold the run's own identity (run id, publication time, checksums)
RUN_SPECIFIC_FILES = {"manifest.json", "health.json", "index.html"}


def compare_builds(daily: Path, fresh: Path, run_date: date) -> dict:
    out, _, _ = child(COMPARE, str(daily / "warehouse.duckdb"), str(fresh / "warehouse.duckdb"),
                      run_date.isoformat())
    result = json.loads(out)
    day = run_date.isoformat()
    files_a, files_b = daily / "reports" / day, fresh / "reports" / day
    names = sorted(p.name for p in files_a.iterdir() if p.name not in RUN_SPECIFIC_FILES)
    result["files"] = len(names)
    result["file_differences"] = [n for n in names if (files_a / n).read_bytes() != (files_b / n).read_bytes()]
    return result


# --------------------------------------------------------------------------- the nine questions


def mart_queries(plate: str) -> dict[str, tuple[str, list]]:
    return {
        "1 dashboard": ("select * from marts.dashboard_summary", []),
        "2 zone occupancy": ("select * from marts.zone_occupancy order by zone_id", []),
        "3 revenue report": (("select payment_method, sum(revenue), sum(payment_count) from marts.revenue_daily "
                             "where revenue_date between ? and ? group by payment_method"), [END_DATE, END_DATE]),
        "4 peak hours": ("select hour, entries from marts.peak_hours order by entries desc, hour limit 5", []),
        "5 active sessions": ("select * from marts.active_sessions order by entry_time, session_id", []),
        "6 completed sessions": ("select * from marts.completed_sessions order by exit_time desc, session_id desc", []),
        "7 one vehicle": ("select * from marts.vehicle_analytics where vehicle_number = ?", [plate]),
        "8 payment analytics": (("select * from marts.payment_analytics, "
                                "(select list(s) from marts.payment_by_status s), "
                                "(select list(m) from marts.payment_by_method m)"), []),
        "9 slot usage": ("select * from marts.slot_usage order by usage_rank", []),
    }


def operational_queries(plate: str, day_start: str, day_end: str, month_start: str) -> dict[str, tuple[str, list]]:
    """The operational system's way: live tables and flags, at request time (UTC text instants)."""
    return {
        "1 dashboard": ("""
            select (select count(*) from backend_core_parkingslot where is_active),
                   (select count(*) from backend_core_parkingslot where is_active and is_occupied),
                   (select count(*) from backend_core_parkingsession where status = 'active'),
                   (select count(*) from backend_core_parkingsession where exit_time >= ? and exit_time < ?),
                   (select sum(amount) from backend_core_payment where status = 'completed'
                        and paid_at >= ? and paid_at < ?),
                   (select count(distinct v.owner_id) from backend_core_parkingsession s
                        join backend_core_vehicle v on v.id = s.vehicle_id
                        where s.entry_time >= ? and s.entry_time < ?)""",
                           [day_start, day_end] * 3),
        "2 zone occupancy": ("""
            select z.id, z.name, count(s.id), sum(s.is_occupied),
                   (select count(*) from backend_core_parkingsession ps
                        join backend_core_parkingslot sl on sl.id = ps.slot_id
                        where sl.zone_id = z.id and ps.status = 'active')
            from backend_core_parkingzone z join backend_core_parkingslot s on s.zone_id = z.id
            where z.is_active and s.is_active group by z.id order by z.id""", []),
        "3 revenue report": ("""
            select p.payment_method, sum(p.amount), count(*) from backend_core_payment p
            where p.status = 'completed' and p.paid_at >= ? and p.paid_at < ?
            group by p.payment_method""", [day_start, day_end]),
        "4 peak hours": ("""
            select cast(strftime('%H', entry_time) as integer) as hour, count(*) as entries
            from backend_core_parkingsession where entry_time >= ? and status <> 'cancelled'
            group by hour order by entries desc, hour limit 5""", [month_start]),
        "5 active sessions": ("""
            select s.id, v.vehicle_number, z.name, sl.slot_number, s.entry_time
            from backend_core_parkingsession s
            join backend_core_vehicle v on v.id = s.vehicle_id
            join backend_core_parkingslot sl on sl.id = s.slot_id
            join backend_core_parkingzone z on z.id = sl.zone_id
            where s.status = 'active' order by s.entry_time, s.id""", []),
        "6 completed sessions": ("""
            select s.id, v.vehicle_number, s.entry_time, s.exit_time, s.amount
            from backend_core_parkingsession s join backend_core_vehicle v on v.id = s.vehicle_id
            where s.status = 'completed' order by s.exit_time desc, s.id desc limit 100""", []),
        "7 one vehicle": ("""
            select v.vehicle_number, count(distinct s.id),
                   (select sum(p.amount) from backend_core_payment p
                        join backend_core_parkingsession s2 on s2.id = p.session_id
                        where s2.vehicle_id = v.id and p.status = 'completed'),
                   min(s.entry_time), max(s.entry_time)
            from backend_core_vehicle v join backend_core_parkingsession s on s.vehicle_id = v.id
            where v.vehicle_number = ? and s.status <> 'cancelled' group by v.id""", [plate]),
        "8 payment analytics": ("""
            select status, payment_method, count(*), sum(amount) from backend_core_payment
            group by status, payment_method""", []),
        "9 slot usage": ("""
            select sl.id, count(s.id) as sessions, sum(s.amount) from backend_core_parkingslot sl
            left join backend_core_parkingsession s on s.slot_id = sl.id and s.status <> 'cancelled'
            where sl.is_active group by sl.id order by sessions desc, sl.id""", []),
    }


DJANGO_INDEXES = (  # Django creates one index per foreign key
    ("backend_core_parkingslot", "zone_id"), ("backend_core_vehicle", "owner_id"),
    ("backend_core_parkingsession", "slot_id"), ("backend_core_parkingsession", "vehicle_id"),
    ("backend_core_payment", "session_id"),
)


def percentiles(run, repeats: int) -> tuple[float, float]:
    run()  # warm
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]


def answer_questions(warehouse: Path, source: Path, run_date: date, repeats: int) -> dict:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    plate = con.execute("select vehicle_number from marts.vehicle_analytics "
                        "order by total_visits desc, vehicle_number limit 1").fetchone()[0]
    marts = {name: percentiles(lambda s=sql, p=params: con.execute(s, p).fetchall(), repeats)
             for name, (sql, params) in mart_queries(plate).items()}
    day_start, day_end, month_start = (
        con.execute(f"select strftime(timezone('UTC', timezone('{TIMEZONE}', ?::timestamp)), "
                    "'%Y-%m-%d %H:%M:%S')", [day]).fetchone()[0]
        for day in (run_date, run_date + timedelta(days=1), run_date - timedelta(days=29)))
    con.close()
    copy = warehouse.parent / "operational-with-django-indexes.sqlite3"
    shutil.copyfile(source, copy)
    lite = sqlite3.connect(copy)
    for table, column in DJANGO_INDEXES:
        lite.execute(f"create index if not exists {table}_{column} on {table} ({column})")
    lite.commit()
    baseline = {name: percentiles(lambda s=sql, p=params: lite.execute(s, p).fetchall(), max(3, repeats // 4))
                for name, (sql, params) in operational_queries(plate, day_start, day_end, month_start).items()}
    lite.close()
    copy.unlink()
    return {"plate": plate, "marts": marts, "baseline": baseline}


FLOOR = """
import duckdb, json, os, sys, time
con = duckdb.connect(sys.argv[1], read_only=True)
started = time.perf_counter()
for table in ("backend_core_parkingsession", "backend_core_payment"):
    con.execute(f"select sum(hash(columns(*))) from raw.{table}").fetchall()
open(os.environ["BENCH_RESULT_FILE"], "w").write(json.dumps(time.perf_counter() - started))
"""


def floor_seconds(warehouse: Path) -> float:
    out, _, _ = child(FLOOR, str(warehouse))
    return json.loads(out)


# --------------------------------------------------------------------------- one size


def bench_size(size: str, keep: Path, repeats: int) -> dict:
    source, generated = source_for(size, keep)
    result = {"size": size, "generate_seconds": generated, "reference_before": reference_seconds()}
    with tempfile.TemporaryDirectory(prefix=f"bench-run-{size}-", dir=keep) as tmp:
        tmp = Path(tmp)
        live, daily = tmp / "source.sqlite3", tmp / "daily"
        shutil.copyfile(source, live)
        result["full"] = pipeline_run(live, daily, END_DATE)
        print(f"  {size}: full run {result['full']['seconds']:.1f} s", flush=True)
        result["floor_seconds"] = floor_seconds(daily / "warehouse.duckdb")
        next_day = END_DATE + timedelta(days=1)
        result["append_seconds"] = append_day(live, seed=7)
        stepwise = tmp / "stepwise"
        shutil.copytree(daily, stepwise, copy_function=shutil.copy2)
        result["daily"] = pipeline_run(live, daily, next_day)
        print(f"  {size}: daily run {result['daily']['seconds']:.1f} s", flush=True)
        result["stepwise"] = stepwise_run(live, stepwise, next_day)
        shutil.rmtree(stepwise)
        fresh = tmp / "fresh"
        result["fresh_build_seconds"] = pipeline_run(live, fresh, next_day)["seconds"]
        result["check"] = compare_builds(daily, fresh, next_day)
        shutil.rmtree(fresh)
        sizes = {p.name: p.stat().st_size for p in (daily / "reports" / next_day.isoformat()).iterdir()}
        result["report_bytes"] = sum(sizes.values())
        result["vehicle_file_bytes"] = sizes.get("vehicle_analytics.json")
        result["warehouse_bytes"] = (daily / "warehouse.duckdb").stat().st_size
        result["questions"] = answer_questions(daily / "warehouse.duckdb", live, next_day, repeats)
        # a slot leaving service changes every past day's counted slots (zone_day_kpis recomputed)
        append_day(live, seed=8, retire_slot=True)
        result["retired"] = pipeline_run(live, daily, next_day + timedelta(days=1))
        print(f"  {size}: daily run with a slot retired {result['retired']['seconds']:.1f} s", flush=True)
    result["reference_after"] = reference_seconds()
    return result


# --------------------------------------------------------------------------- report


def render(results: list[dict]) -> str:
    lines = ["# The whole daily run (bench/bench_run.py)", "",
             (f"Source: generator seed 42, dirty rate {DIRTY_RATE:.1%}, {TIMEZONE}, full run for "
             f"{END_DATE}, then `append_days 1` (an ordinary day: no slot leaves service) and the daily run "
             f"for {END_DATE + timedelta(days=1)}. "
             "Peak memory is the RSS of the whole process tree. Reference query: bench/machine.py "
             "(about 0.5 s on this VM when idle)."), ""]
    for r in results:
        full, daily, stepwise = r["full"], r["daily"], r["stepwise"]
        lines += [f"## {r['size']}", "",
                  f"- reference query {r['reference_before']:.2f} s before, {r['reference_after']:.2f} s after"
                  + (f"; generation {r['generate_seconds']:.0f} s" if r["generate_seconds"] else ""),
                  (f"- warehouse {r['warehouse_bytes'] / 2**20:,.0f} MB; report folder of the daily run "
                  f"{r['report_bytes'] / 2**20:.2f} MB (vehicle_analytics.json "
                  f"{(r['vehicle_file_bytes'] or 0) / 2**10:,.0f} KB); append of one day {r['append_seconds']:.1f} s"),
                  "", "| step | first full run (s) | daily run (s) | daily, one process per step (s) |",
                  "|---|---:|---:|---:|"]
        for step in STEPS:
            lines.append(f"| {step} | {full['steps'][step]:.2f} | {daily['steps'][step]:.2f} "
                         f"| {stepwise['steps'][step]:.2f} |")
        lines += [(f"| **total (wall, with start-up)** | **{full['seconds']:.1f}** | **{daily['seconds']:.1f}** "
                  f"| **{stepwise['seconds']:.1f}** |"),
                  (f"| peak RSS, process tree | {full['peak_mb']:,.0f} MB | {daily['peak_mb']:,.0f} MB "
                  f"| {stepwise['peak_mb']:,.0f} MB |"), "",
                  (f"Daily / full: {daily['seconds'] / full['seconds']:.2f}. Floor (one DuckDB scan of raw sessions "
                  f"and payments): {r['floor_seconds']:.2f} s; the full run is {full['seconds'] / r['floor_seconds']:.0f}x "
                  "the floor."), "",
                  "Where the build step's time went (its summary, with dbt's slowest nodes):", "",
                  f"- first full run: {full['build'].splitlines()[0]}",
                  f"- daily run: {daily['build'].splitlines()[0]}",
                  (f"- the next day, on which a slot leaves service (every past day's counted slots change, "
                  f"so zone_day_kpis recomputes all history): whole run {r['retired']['seconds']:.1f} s, build step "
                  f"{r['retired']['steps']['build']:.1f} s, peak {r['retired']['peak_mb']:,.0f} MB; "
                  f"{r['retired']['build'].splitlines()[0]}"), ""]
        check = r["check"]
        verdict = ("identical" if not check["differences"] and not check["file_differences"]
                   else f"DIFFERENT: {check['differences']} {check['file_differences']}")
        lines += [(f"Correctness: the daily warehouse against a fresh full build of the same day "
                  f"({r['fresh_build_seconds']:.0f} s): {check['tables']} marts tables and {check['files']} "
                  f"report files {verdict}."), "",
                  f"Questions (plate {r['questions']['plate']!r}), milliseconds:", "",
                  "| question | marts p50 | marts p95 | operational SQLite p50 | p95 | speed-up (p50) |",
                  "|---|---:|---:|---:|---:|---:|"]
        for name, (p50, p95) in r["questions"]["marts"].items():
            b50, b95 = r["questions"]["baseline"][name]
            lines.append(f"| {name} | {p50:.2f} | {p95:.2f} | {b50:.2f} | {b95:.2f} | {b50 / p50:,.1f}x |")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100k", help="comma-separated: " + ", ".join(SIZES))
    parser.add_argument("--keep", type=Path, help="folder to keep / reuse generated sources in")
    parser.add_argument("--repeats", type=int, default=30, help="runs per question")
    parser.add_argument("--no-write", action="store_true", help="print only, leave bench/results/run.md")
    args = parser.parse_args()
    sizes = [s.strip() for s in args.sizes.split(",") if s.strip()]
    unknown = [s for s in sizes if s not in SIZES]
    if unknown:
        sys.exit(f"bench_run: unknown size {unknown[0]!r}: choose from {', '.join(SIZES)}")
    bench_sizes(sizes, args.keep, lambda size, keep: bench_size(size, keep, args.repeats), render,
                None if args.no_write else RESULTS, prefix="bench-run-")


def bench_sizes(sizes: list[str], keep: Path | None, bench_one, render_all,
                results: Path | None, *, prefix: str) -> None:
    """Bench each size in turn (sources in `keep`, else in a temporary folder removed after),
    printing the rendered table after each size and writing it to `results` if given."""
    folder = keep or Path(tempfile.mkdtemp(prefix=prefix))
    folder.mkdir(parents=True, exist_ok=True)
    done = []
    for size in sizes:
        print(f"== {size}", flush=True)
        done.append(bench_one(size, folder))
        text = render_all(done)
        print(text, flush=True)
        if results is not None:
            results.write_text(text + "\n")
    if keep is None:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
