"""Benchmark the extract: first full load in rows/s, incremental seconds after one appended day.

    python bench/bench_extract.py                  # ~1M sessions (a few minutes with generation)
    python bench/bench_extract.py --sizes 1m,10m   # and a 10M-session history (~15 minutes)
    python bench/bench_extract.py --keep DIR       # keep / reuse the generated sources in DIR
    python bench/bench_extract.py --paths          # also compare reading paths (docs/extract.md)

Per size: generate the source (generator, seed 42, dirty rate 1 %), load it into an empty
warehouse (full), `append_days 1`, load again (incremental: no index on `updated_at`, as
Django creates the schema, so SQLite scans the tables); then add an index on `updated_at` to
every source table (on the benchmark's copy only), append another day and load again
(incremental, indexed). Every load runs in a fresh child process and only `extract_to_raw` is
timed. Figures are printed and written to bench/results/extract.md. Target (issue 4): the
full load >= 1,000,000 source rows/s; the incremental cost follows the day's changes.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

from machine import reference_seconds

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "bench" / "results" / "extract.md"
END_DATE = date(2026, 3, 8)
TIMEZONE = "Europe/Berlin"
SIZES = {  # the generator benchmark's sizes: sessions ~ days x zones x slots_per_zone x 3.3
    "small": {"days": 30, "zones": 6, "slots_per_zone": 40},
    "1m": {"days": 365, "zones": 12, "slots_per_zone": 70},
    "10m": {"days": 1095, "zones": 24, "slots_per_zone": 120},
}
TARGET_ROWS_PER_SECOND = 1_000_000
TABLES = ("users_customuser", "backend_core_parkingzone", "backend_core_parkingslot",
          "backend_core_vehicle", "backend_core_parkingsession", "backend_core_payment")

LOAD = """
import json, resource, sys, time
from extract import extract_to_raw
started = time.perf_counter()
loads = extract_to_raw(sys.argv[1], sys.argv[2], run_id=sys.argv[3])
seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"seconds": seconds, "cpu_seconds": usage.ru_utime + usage.ru_stime,
                  "peak_rss_mb": usage.ru_maxrss / 1024,
                  "tables": {l.table_name: {"mode": l.mode, "read": l.rows_read,
                                            "inserted": l.rows_inserted, "updated": l.rows_updated,
                                            "seconds": l.duration_seconds} for l in loads}}))
"""


def python(code: str, *args: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          cwd=REPO, env=env, check=False)
    if done.returncode:
        sys.exit(f"bench_extract: a step failed ({' '.join(args)}):\n{done.stderr}")
    return done.stdout


def generate(name: str, folder: Path) -> Path:
    path = folder / f"extract-{name}.sqlite3"
    if not path.exists():
        flags = SIZES[name]
        python(
            "import sys, json\nfrom datetime import date\nfrom pathlib import Path\n"
            "from parking_warehouse.generator import generate_database\n"
            "generate_database(Path(sys.argv[1]), end_date=date.fromisoformat(sys.argv[2]), "
            "timezone=sys.argv[3], seed=42, dirty_rate=0.01, **json.loads(sys.argv[4]))",
            str(path), END_DATE.isoformat(), TIMEZONE, json.dumps(flags))
    return path


def append_day(path: Path, seed: int) -> None:
    python("import sys\nfrom pathlib import Path\nfrom parking_warehouse.generator import append_days\n"
           "append_days(Path(sys.argv[1]), days=1, seed=int(sys.argv[2]), dirty_rate=0.01, timezone=sys.argv[3])",
           str(path), str(seed), TIMEZONE)


def add_indexes(path: Path) -> None:
    import sqlite3

    con = sqlite3.connect(path)
    for table in TABLES:
        con.execute(f"create index if not exists bench_{table}_updated_at on {table} (updated_at)")
    con.commit()
    con.close()


def load(source: Path, warehouse: Path, run_id: str) -> dict:
    return json.loads(python(LOAD, str(source), str(warehouse), run_id).strip().splitlines()[-1])



def run_size(name: str, folder: Path, repeat: int) -> dict:
    base = generate(name, folder)
    reference = reference_seconds()
    work = Path(tempfile.mkdtemp(prefix="bench-extract-", dir=folder))
    try:
        source = work / "source.sqlite3"
        shutil.copyfile(base, source)
        # the machine is shared: the full load runs `repeat` times (fresh warehouse), best kept
        fulls = []
        for attempt in range(repeat):
            warehouse = work / f"warehouse-{attempt}.duckdb"
            fulls.append(load(source, warehouse, "bench-full"))
            if attempt < repeat - 1:
                warehouse.unlink()
        full = min(fulls, key=lambda f: f["seconds"])
        full["all_seconds"] = sorted(f["seconds"] for f in fulls)
        append_day(source, seed=42)
        incremental = load(source, warehouse, "bench-incremental")
        add_indexes(source)
        append_day(source, seed=42)
        indexed = load(source, warehouse, "bench-indexed")
        return {
            "name": name, "flags": SIZES[name], "load_average": os.getloadavg()[0],
            "reference_seconds": (reference, reference_seconds()),
            "compression": os.environ["PARKING_EXTRACT_COMPRESSION"],
            "source_mb": base.stat().st_size / 2**20,
            "warehouse_mb": warehouse.stat().st_size / 2**20,
            "full": full, "incremental": incremental, "indexed": indexed,
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)


def rows(load_figures: dict) -> int:
    return sum(t["read"] for t in load_figures["tables"].values())


def summary_lines(r: dict) -> list[str]:
    full, inc, idx = r["full"], r["incremental"], r["indexed"]
    sessions = full["tables"]["backend_core_parkingsession"]["read"]
    return [
        (f"size {r['name']} ({r['compression']}): {sessions:,} sessions, {rows(full):,} source rows, "
         f"source {r['source_mb']:.0f} MB, warehouse {r['warehouse_mb']:.0f} MB, "
         f"machine load average {r['load_average']:.1f}, reference query "
         f"{r['reference_seconds'][0]:.2f} / {r['reference_seconds'][1]:.2f} s"),
        (f"  full load        {full['seconds']:7.2f} s  {rows(full) / full['seconds']:>12,.0f} rows/s  "
         f"(cpu {full['cpu_seconds']:.1f} s, peak RSS {full['peak_rss_mb']:.0f} MB; "
         f"runs {', '.join(f'{x:.2f}' for x in full['all_seconds'])} s)"),
        (f"  incremental      {inc['seconds']:7.2f} s  {rows(inc):>12,} rows read  "
         f"ratio incremental/full {inc['seconds'] / full['seconds']:.3f}"),
        (f"  incr. + index    {idx['seconds']:7.2f} s  {rows(idx):>12,} rows read  "
         f"ratio incremental/full {idx['seconds'] / full['seconds']:.3f}"),
    ]


PATHS = """
import json, resource, sqlite3, sys, time, threading
import adbc_driver_sqlite.dbapi, duckdb, pyarrow as pa
path, scratch = sys.argv[1], sys.argv[2]
table = "backend_core_parkingsession"
cols = [r[1] for r in sqlite3.connect(path).execute(f"pragma table_info({table})")]
sql = "select id, " + ", ".join(f"cast({c} as text) as {c}" for c in cols[1:]) + f" from {table}"
def cpu():
    u = resource.getrusage(resource.RUSAGE_SELF); return u.ru_utime + u.ru_stime
out = {}
def timed(name, fn):
    c, t = cpu(), time.perf_counter(); result = fn(); out[name] = (time.perf_counter() - t, cpu() - c); return result
def python_sqlite3():
    con = sqlite3.connect(path); cur = con.execute(sql); names = [d[0] for d in cur.description]
    batches = []
    while rows := cur.fetchmany(65536):
        batches.append(pa.RecordBatch.from_arrays([pa.array(c) for c in zip(*rows)], names=names))
    return pa.Table.from_batches(batches)
def adbc_one():
    con = adbc_driver_sqlite.dbapi.connect(path); cur = con.cursor()
    cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": "65536"}); cur.execute(sql)
    table = cur.fetch_arrow_table(); cur.close(); con.close(); return table
def adbc_two():
    from extract.contract import plan_table
    from extract.sources import Selection
    from extract.sqlite_reader import SqliteSource
    src = SqliteSource(path); plan = plan_table(table, src.table_columns(table), path)
    return pa.Table.from_batches(list(src.reader(plan, Selection()).record_batch_reader()))
timed("python sqlite3 -> arrow", python_sqlite3)
timed("ADBC, one connection", adbc_one)
data = timed("ADBC, two connections (extract)", adbc_two)
for compression in ("auto", "zstd", "uncompressed"):
    con = duckdb.connect(f"{scratch}/{compression}.duckdb")
    con.execute(f"set preserve_insertion_order = false; set force_compression = '{compression}'")
    timed(f"DuckDB append, {compression}", lambda: con.execute("create table t as select * from data").fetchall())
    con.close()
    out[f"DuckDB append, {compression}"] += (__import__("os").path.getsize(f"{scratch}/{compression}.duckdb") / 2**20,)
print(json.dumps({"rows": data.num_rows, "paths": out}))
"""


def compare_paths(folder: Path) -> dict:
    base = generate("1m", folder)
    scratch = Path(tempfile.mkdtemp(prefix="bench-paths-", dir=folder))
    try:
        return json.loads(python(PATHS, str(base), str(scratch)).strip().splitlines()[-1])
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def path_lines(paths: dict) -> list[str]:
    lines = [f"reading paths, backend_core_parkingsession of size 1m ({paths['rows']:,} rows):"]
    for name, figures in paths["paths"].items():
        extra = f"  file {figures[2]:.0f} MB" if len(figures) > 2 else ""
        lines.append(f"  {name:<34} {figures[0]:6.2f} s  cpu {figures[1]:5.2f} s  "
                     f"{paths['rows'] / figures[0]:>12,.0f} rows/s{extra}")
    return lines


def write_results(results: list[dict], paths: dict | None) -> None:
    lines = [
        "# Extract benchmark",
        "",
        (f"`python bench/bench_extract.py` on {platform.node() or 'this machine'} ({os.cpu_count()} cores, "
         f"Python {platform.python_version()}). Sources from the generator (seed 42, dirty rate 1 %, "
         f"time zone {TIMEZONE}, `--end-date {END_DATE}`); each load in a fresh process, only "
         "`extract_to_raw` timed. Incremental: after `append_days 1`; indexed: after adding an index "
         "on `updated_at` to each source table and appending one more day. Target: full load >= "
         f"{TARGET_ROWS_PER_SECOND:,} source rows/s. The reference query (bench/machine.py) takes "
         "about 0.5 s when this VM is idle: compare before reading the wall times."),
        "",
        ("| size | raw compression | sessions | source rows | full s (best of runs) | rows/s | cpu s | target | "
         "incremental s (rows read) | ratio | indexed incremental s (rows read) | ratio | "
         "warehouse MB | load avg | reference s before / after |"),
        "|---|---|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        full, inc, idx = r["full"], r["incremental"], r["indexed"]
        speed = rows(full) / full["seconds"]
        lines.append(
            f"| {r['name']} | {r['compression']} | {full['tables']['backend_core_parkingsession']['read']:,} | "
            f"{rows(full):,} | "
            f"{full['seconds']:.2f} ({', '.join(f'{x:.2f}' for x in full['all_seconds'])}) | {speed:,.0f} | "
            f"{full['cpu_seconds']:.1f} | {'met' if speed >= TARGET_ROWS_PER_SECOND else 'MISSED'} | "
            f"{inc['seconds']:.2f} ({rows(inc):,}) | {inc['seconds'] / full['seconds']:.3f} | "
            f"{idx['seconds']:.2f} ({rows(idx):,}) | {idx['seconds'] / full['seconds']:.3f} | "
            f"{r['warehouse_mb']:.0f} | {r['load_average']:.1f} | "
            f"{r['reference_seconds'][0]:.2f} / {r['reference_seconds'][1]:.2f} |")
    lines += ["", "Per table (seconds; rows read):", ""]
    for r in results:
        lines.append(f"- {r['name']} ({r['compression']}): " + "; ".join(
            f"{t}: full {r['full']['tables'][t]['seconds']:.2f} ({r['full']['tables'][t]['read']:,}), "
            f"incremental {r['incremental']['tables'][t]['seconds']:.2f} ({r['incremental']['tables'][t]['read']:,}), "
            f"indexed {r['indexed']['tables'][t]['seconds']:.2f} ({r['indexed']['tables'][t]['read']:,})"
            for t in TABLES))
    if paths:
        lines += ["", "```", *path_lines(paths), "```"]
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text("\n".join(lines) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1m", help="comma-separated: " + ",".join(SIZES))
    parser.add_argument("--keep", default=None, help="folder to keep and reuse generated sources in")
    parser.add_argument("--paths", action="store_true", help="also compare reading paths on size 1m")
    parser.add_argument("--compressions", default="zstd",
                        help="PARKING_EXTRACT_COMPRESSION values to run, comma-separated "
                             "(zstd, auto, uncompressed; default zstd, the extract's default)")
    parser.add_argument("--repeat", type=int, default=3,
                        help="full loads per size (best kept; 10m runs once)")
    parser.add_argument("--no-write", action="store_true", help="print only, leave the results file")
    args = parser.parse_args()
    folder = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="bench-extract-"))
    folder.mkdir(parents=True, exist_ok=True)
    try:
        results = []
        for name in args.sizes.split(","):
            for compression in args.compressions.split(","):
                os.environ["PARKING_EXTRACT_COMPRESSION"] = compression.strip()
                result = run_size(name.strip(), folder, args.repeat if name.strip() != "10m" else 1)
                print("\n".join(summary_lines(result)), flush=True)
                results.append(result)
        paths = compare_paths(folder) if args.paths else None
        if paths:
            print("\n".join(path_lines(paths)))
        if not args.no_write:
            write_results(results, paths)
            print(f"written to {RESULTS.relative_to(REPO)}")
    finally:
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
