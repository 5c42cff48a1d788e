"""Helpers for the tests that run the real daily pipeline (extract, GX, dbt, publish, reports).

The expensive things are built once per session by the fixtures of conftest.py:

    small_source   a generated SQLite source: 3 local days, 2026-02-27 (Fri) .. 2026-03-01 (Sun),
                   2 zones of 4 slots, Europe/Berlin: Feb 28 ends a month, Mar 1 ends a week
    built          one warehouse + reports folder, run_daily for each of the 3 days in order
    rerun          a copy of `built` where Mar 1 ran again, a reader process watching the file

A test that changes anything works on a copy (`copy_built`), never on the session's folders.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb

from parking_warehouse import REPO_ROOT
from parking_warehouse.config import Settings

TZ = "Europe/Berlin"
DAYS = (date(2026, 2, 27), date(2026, 2, 28), date(2026, 3, 1))
LAST = DAYS[-1]
ZONES, SLOTS_PER_ZONE = 2, 4


def generate_source(path: Path) -> Path:
    from parking_warehouse.generator import generate_database

    generate_database(path, days=len(DAYS), end_date=LAST, zones=ZONES, slots_per_zone=SLOTS_PER_ZONE,
                      seed=11, timezone=TZ)
    return path


def make_settings(folder: Path, source: Path | str | None = None, timezone: str = TZ) -> Settings:
    """Settings whose warehouse and reports live in `folder` (wh/warehouse.duckdb, reports/)."""
    folder.mkdir(parents=True, exist_ok=True)
    return Settings(timezone=timezone, source=str(source) if source else None,
                    warehouse=folder / "wh" / "warehouse.duckdb", reports_dir=folder / "reports")


def daily_run_id(day: date) -> str:
    return f"daily-{day.isoformat()}"


@dataclass
class Built:
    """A warehouse built by the real pipeline, and what its runs returned."""

    settings: Settings
    results: dict = field(default_factory=dict)  # date -> RunResult


@dataclass
class Rerun:
    """A copy of `built` where the last day ran again, and what a reader saw meanwhile."""

    settings: Settings
    result: object  # RunResult
    seen: dict  # the reader's report: opened, raced, states (sha256 -> run date, reads), errors
    published_before: str  # sha256 of the published file before the re-run


def copy_built(settings: Settings, folder: Path, *, source: Path | str | None = None) -> Settings:
    """A copy of a built warehouse (with its publication state) and its reports in `folder`."""
    copy = make_settings(folder, source or settings.source, settings.timezone)
    shutil.copytree(settings.warehouse.parent, copy.warehouse.parent)
    shutil.copytree(settings.reports_dir, copy.reports_dir)
    return replace(copy, start_date=settings.start_date)


def query(settings_or_path, sql: str, params=()) -> list[tuple]:
    path = getattr(settings_or_path, "warehouse", settings_or_path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql, list(params)).fetchall()
    finally:
        con.close()


def user_ids_by_role(settings: Settings) -> dict[str, int]:
    """The smallest user id of each role in the warehouse's core.dim_users."""
    return dict(query(settings, "select role, min(user_id) from core.dim_users group by role"))


# --------------------------------------------------------------------------- a reader process

READER = textwrap.dedent("""
    import hashlib, json, os, sys, time
    import duckdb
    path, stop = sys.argv[1], sys.argv[2]
    seen, errors, opened, raced = {}, [], 0, 0
    while not os.path.exists(stop) or opened < 3:
        fd = os.open(path, os.O_RDONLY)  # pins the file the path names now
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                run_date = con.execute("select run_date::varchar from marts.dashboard_summary").fetchone()[0]
                last_marts_run = con.execute(
                    "select run_id from audit.dq_results where suite = 'marts' "
                    "order by validated_at desc limit 1").fetchone()[0]
                blocking_failed = con.execute(
                    "select count(*) from audit.dq_results where run_id = ? and suite = 'marts' "
                    "and severity = 'blocking' and not success", [last_marts_run]).fetchone()[0]
                daily_report = con.execute(
                    "select count(*) from marts.analytics_reports where report_type = 'daily' "
                    "and period_from = ?::date", [run_date]).fetchone()[0]
            finally:
                con.close()
            opened += 1
            if blocking_failed or daily_report != 1:
                errors.append(f"incomplete state {run_date}: {blocking_failed} {daily_report}")
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                raced += 1  # published in between: DuckDB may have read either file
                continue
            digest, offset = hashlib.sha256(), 0
            while block := os.pread(fd, 1 << 20, offset):
                digest.update(block)
                offset += len(block)
            state = seen.setdefault(digest.hexdigest(), {"run_date": run_date, "reads": 0})
            state["reads"] += 1
            if state["run_date"] != run_date:
                errors.append(f"one file, two run dates: {state['run_date']} {run_date}")
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            os.close(fd)
        time.sleep(0.02)
    print(json.dumps({"opened": opened, "raced": raced, "states": seen, "errors": errors}))
""")


def start_reader(warehouse: Path, stop: Path) -> subprocess.Popen:
    """A process opening the published file read-only in a loop until `stop` exists."""
    return subprocess.Popen([sys.executable, "-c", READER, str(warehouse), str(stop)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


# --------------------------------------------------------------------------- Airflow in a subprocess


def airflow_env(airflow_home: Path, settings: Settings | None = None, **extra: str) -> dict[str, str]:
    """The environment of an Airflow command run by a test: its own home, our dags/, no examples."""
    env = dict(os.environ) | {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    if settings is not None:
        env |= {"PARKING_TIMEZONE": settings.timezone, "PARKING_SOURCE": str(settings.source or ""),
                "PARKING_WAREHOUSE": str(settings.warehouse), "PARKING_REPORTS_DIR": str(settings.reports_dir),
                "PARKING_START_DATE": settings.start_date.isoformat()}
    return env | extra


def run_airflow(airflow_home: Path, *args: str, settings: Settings | None = None, timeout: int = 600,
                **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "airflow", *args], env=airflow_env(airflow_home, settings, **extra),
                          capture_output=True, text=True, timeout=timeout, check=False, cwd=REPO_ROOT)
