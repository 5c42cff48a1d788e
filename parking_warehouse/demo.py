"""`make run`: the whole thing on a fresh machine, through real Airflow.

1. the demo operational database demo/parking.sqlite3 (30 days ending yesterday, Europe/Berlin),
   unless PARKING_SOURCE names a database of your own;
2. Airflow in airflow_home/ (SQLite metadata database): `airflow db migrate`;
3. `airflow dags test parking_daily` for each of the last 3 days, oldest first, like a short
   backfill, so the report's system-metrics trend has more than one point (PARKING_DEMO_DAYS=N:
   the last N days instead);
4. prints where the report, the warehouse and the docs are.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from parking_warehouse import REPO_ROOT
from parking_warehouse.config import DEMO_SOURCE, DEMO_TIMEZONE, Settings
from parking_warehouse.errors import ParkingWarehouseError

AIRFLOW_HOME = REPO_ROOT / "airflow_home"
DEMO_DAYS = 30  # days of demo data generated
BACKFILL_DAYS = 3  # days run through Airflow by default (PARKING_DEMO_DAYS)


def airflow_environment(settings: Settings, start_date: date) -> dict[str, str]:
    """The environment the Airflow commands (and the DAG files they parse) run in."""
    return os.environ | {
        "AIRFLOW_HOME": str(AIRFLOW_HOME),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__DEFAULT_TIMEZONE": settings.timezone,
        "PARKING_TIMEZONE": settings.timezone,
        "PARKING_SOURCE": str(settings.source),
        "PARKING_WAREHOUSE": str(settings.warehouse),
        "PARKING_REPORTS_DIR": str(settings.reports_dir),
        "PARKING_START_DATE": start_date.isoformat(),
    }


def airflow(environment: dict[str, str], *args: str) -> None:
    command = [sys.executable, "-m", "airflow", *args]
    print(f"$ airflow {' '.join(args)}", flush=True)
    if subprocess.run(command, env=environment, check=False).returncode != 0:
        raise ParkingWarehouseError(f"`airflow {' '.join(args)}` failed (see its output above)")


def logical_date_for(run_date: date, timezone: str) -> str:
    """The logical date whose manual run covers D: the data interval ends at T = D+1 00:00 local."""
    return datetime.combine(run_date + timedelta(days=1), datetime.min.time(),
                            tzinfo=ZoneInfo(timezone)).isoformat()


def demo_days(environ: dict[str, str]) -> int:
    """How many of the last days `make run` runs: PARKING_DEMO_DAYS, else BACKFILL_DAYS."""
    value = environ.get("PARKING_DEMO_DAYS") or str(BACKFILL_DAYS)
    try:
        days = int(value)
    except ValueError:
        days = 0
    if days < 1:
        raise ParkingWarehouseError(f"PARKING_DEMO_DAYS={value!r} is not a whole number of days (1 or more)")
    return days


def main() -> int:
    environ = dict(os.environ)
    if not environ.get("PARKING_SOURCE"):
        environ.setdefault("PARKING_TIMEZONE", DEMO_TIMEZONE)
        environ["PARKING_SOURCE"] = str(DEMO_SOURCE)
    settings = Settings.resolve(environ=environ)
    yesterday = datetime.now(ZoneInfo(settings.timezone)).date() - timedelta(days=1)
    if Path(settings.source) == DEMO_SOURCE and not DEMO_SOURCE.exists():
        from parking_warehouse.generator import generate_database

        DEMO_SOURCE.parent.mkdir(parents=True, exist_ok=True)
        print(generate_database(DEMO_SOURCE, days=DEMO_DAYS, end_date=yesterday, timezone=settings.timezone))
    days = demo_days(environ)
    run_dates = [yesterday - timedelta(days=n) for n in range(days - 1, -1, -1)]
    environment = airflow_environment(settings, min(run_dates[0], yesterday - timedelta(days=DEMO_DAYS - 1)))

    started = time.perf_counter()
    airflow(environment, "db", "migrate")
    for run_date in run_dates:
        airflow(environment, "dags", "test", "parking_daily", logical_date_for(run_date, settings.timezone))
    seconds = time.perf_counter() - started

    last = settings.reports_dir / run_dates[-1].isoformat()
    print(f"""
Done in {seconds:.0f} s: the daily pipeline ran through Airflow for {', '.join(map(str, run_dates))}.
  report      {last / 'index.html'}   (open it in a browser; the JSON files are beside it)
  health      {settings.reports_dir / 'health.json'}
  warehouse   {settings.warehouse}   (read-only: duckdb -readonly {settings.warehouse})
  data docs   {settings.reports_dir / 'data_docs' / 'index.html'}
  dbt docs    {settings.reports_dir / 'dbt_docs' / 'index.html'}
  airflow     {AIRFLOW_HOME}   (scheduler and UI: docs/operations.md)
""")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ParkingWarehouseError as error:
        print(f"make run: error: {error}", file=sys.stderr)
        sys.exit(1)
