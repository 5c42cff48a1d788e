"""The daily run for one operator-local date D, one function per step.

    extract -> validate raw -> dbt build for D -> validate marts -> publish -> materialise reports

`run_daily` (the `parking-warehouse run` command) calls the steps in order holding the run
lock; the Airflow tasks of `dags/parking_daily.py` call the same step functions, one task
each. Every step before `publish` works on the run's working copy (see `publish.py`), so a
run that fails anywhere leaves the published warehouse exactly as it was.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from parking_warehouse import publish
from parking_warehouse.config import Settings

# Test hook (tests/test_soak.py): print `pipeline-step: NAME` to stderr as each step starts, so
# a test can kill a run inside a chosen step. Never set in production.
ANNOUNCE_ENV = "PARKING_TEST_ANNOUNCE_STEPS"

STEPS = ("extract", "validate_raw", "build", "validate_marts", "publish", "materialise_reports")


@dataclass(frozen=True)
class Run:
    """One daily run: what every step needs to find its inputs and outputs."""

    settings: Settings
    run_date: date
    run_id: str
    lock_wait_seconds: float = 0.0

    @property
    def as_of(self) -> datetime:
        """T: D+1 00:00 in the operator's time zone."""
        return datetime.combine(self.run_date + timedelta(days=1), datetime.min.time(),
                                tzinfo=ZoneInfo(self.settings.timezone))

    @property
    def working_copy(self) -> Path:
        return publish.working_copy(self.settings.warehouse, self.run_id)

    @property
    def report_dir(self) -> Path:
        return self.settings.reports_dir / self.run_date.isoformat()

    @property
    def data_docs_dir(self) -> Path:
        return self.settings.reports_dir / "data_docs"

    def lock(self):
        return publish.run_lock(self.settings.warehouse, run_id=self.run_id,
                                wait_seconds=self.lock_wait_seconds)


def new_run_id(run_date: date) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"run_{run_date.isoformat()}_{stamp}_{secrets.token_hex(3)}"


# --------------------------------------------------------------------------- the steps


def extract_step(run: Run) -> str:
    """Make a fresh working copy of the published warehouse and load the source's changes into it."""
    from extract import extract_to_raw, format_load_report

    source = run.settings.require_source()
    with run.lock():
        working = publish.prepare_working_copy(run.settings.warehouse, run.run_id)
        loads = extract_to_raw(source, working, run_id=run.run_id)
    return format_load_report(loads)


def validate_raw_step(run: Run) -> str:
    """Great Expectations suite `raw` on the working copy; a blocking failure raises DataQualityError."""
    from expectations import validate_warehouse

    with run.lock():
        report = validate_warehouse(run.working_copy, suite="raw", run_id=run.run_id,
                                    data_docs_dir=run.data_docs_dir)
    return str(report)


def build_step(run: Run) -> str:
    """dbt build for D, the stored analytics reports, and dbt docs (REPORTS_DIR/dbt_docs)."""
    from parking_warehouse.errors import ParkingWarehouseError
    from parking_warehouse.reports.dbt_docs import generate_dbt_docs
    from parking_warehouse.reports.store import store_scheduled_reports
    from parking_warehouse.spark_engine import spark_options
    from parking_warehouse.transform import build_models

    timezone = run.settings.timezone
    with run.lock():
        with publish.working_copy_for_dbt(run.settings.warehouse, run.run_id) as dbt_path:
            result = build_models(dbt_path, run_date=run.run_date, timezone=timezone,
                                  spark=spark_options(run.settings))
            try:  # documentation only: a failure here must not hold back the day's data
                page = generate_dbt_docs(dbt_path, run.settings.reports_dir / "dbt_docs",
                                         run_date=run.run_date, timezone=timezone)
                docs = f"dbt docs: {page}"
            except ParkingWarehouseError as error:
                docs = f"dbt docs NOT updated: {error}"
        stored = store_scheduled_reports(run.working_copy, run_date=run.run_date, timezone=timezone)
    return f"{result}\nstored analytics reports: {', '.join(stored)}\n{docs}"


def validate_marts_step(run: Run) -> str:
    """Great Expectations suite `marts` on the working copy; a blocking failure raises DataQualityError."""
    from expectations import validate_warehouse

    with run.lock():
        report = validate_warehouse(run.working_copy, suite="marts", run_id=run.run_id,
                                    data_docs_dir=run.data_docs_dir)
    return str(report)


def publish_step(run: Run) -> publish.Publication:
    """Replace the published warehouse with the validated working copy (os.replace).

    Custom reports published while this run was building (an admin's request does not wait
    for the nightly run) are carried over into the working copy first; any other publication
    in between makes `publish` refuse.
    """
    from parking_warehouse.reports.custom import REPORT_RUN_PREFIX
    from parking_warehouse.reports.store import carry_over_requested_reports

    warehouse = run.settings.warehouse
    with run.lock():
        since = publish.publications_since_copy(warehouse, run.run_id)
        if since and all(r["run_id"].startswith(REPORT_RUN_PREFIX) for r in since):
            carry_over_requested_reports(run.working_copy, warehouse)
            publish.rebase_working_copy(warehouse, run.run_id)
        return publish.publish(warehouse, run.run_id, run_date=run.run_date.isoformat())


def materialise_reports_step(run: Run) -> Path:
    """DIR/D/: the nine outputs, health.json, manifest.json and index.html, from the published file."""
    from parking_warehouse.reports.materialise import materialise_reports

    return materialise_reports(run.settings, run_date=run.run_date, run_id=run.run_id)


def record_failure(run: Run, step: str, error: BaseException) -> None:
    """After a failed step: say so in DIR/health.json and drop the working copy."""
    from parking_warehouse.reports.health import write_failure_health

    try:
        write_failure_health(run.settings, run_date=run.run_date, run_id=run.run_id, step=step,
                             error=error)
    finally:
        publish.discard_working_copy(run.settings.warehouse, run.run_id)


# --------------------------------------------------------------------------- the whole run


@dataclass
class RunResult:
    run_id: str
    run_date: date
    as_of: datetime
    warehouse: Path
    report_dir: Path
    publication: publish.Publication | None = None
    build: str = ""  # the build step's summary: models, tests, the slowest nodes
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def total_seconds(self) -> float:
        return sum(self.seconds.values())

    def __str__(self) -> str:
        lines = [f"run {self.run_id}: D={self.run_date} T={self.as_of.isoformat()}"]
        lines += [f"  {step:<20} {seconds:7.2f} s" for step, seconds in self.seconds.items()]
        lines.append(f"  {'total':<20} {self.total_seconds:7.2f} s")
        if self.build:
            lines.append(self.build)
        lines.append(f"warehouse: {self.warehouse}")
        lines.append(f"report:    {self.report_dir / 'index.html'}")
        return "\n".join(lines)


def _import_in_background(*modules: str) -> None:
    """Import the later steps' libraries while the extract runs. Great Expectations and dbt take
    several seconds of pure-Python import, a fixed cost of every run; the extract spends its time
    in SQLite and DuckDB with the interpreter lock released. Python's import lock makes a step
    that needs a module before this finishes wait for it, not import it twice."""
    import importlib
    import threading

    def load() -> None:
        for module in modules:
            with contextlib.suppress(Exception):  # the step that needs it reports the failure
                importlib.import_module(module)

    threading.Thread(target=load, name="import-ahead", daemon=True).start()


def run_daily(settings: Settings, run_date: date, *, run_id: str | None = None,
              lock_wait_seconds: float = 0.0) -> RunResult:
    """The whole daily pipeline for D, step by step, holding the run lock throughout.

    A second run started meanwhile is refused (or waits `lock_wait_seconds`) with a message
    naming the run that holds the lock. Any failure leaves the published warehouse untouched.
    """
    settings.require_source()
    run = Run(settings, run_date, run_id or new_run_id(run_date), lock_wait_seconds)
    result = RunResult(run.run_id, run_date, run.as_of, settings.warehouse, run.report_dir)
    steps = {
        "extract": extract_step,
        "validate_raw": validate_raw_step,
        "build": build_step,
        "validate_marts": validate_marts_step,
        "publish": publish_step,
        "materialise_reports": materialise_reports_step,
    }
    with run.lock():
        _import_in_background("expectations.runner", "parking_warehouse.transform", "dbt.cli.main")
        for name, step in steps.items():
            if os.environ.get(ANNOUNCE_ENV):
                print(f"pipeline-step: {name}", file=sys.stderr, flush=True)
            started = time.perf_counter()
            try:
                outcome = step(run)
            except BaseException as error:
                record_failure(run, name, error)
                raise
            result.seconds[name] = time.perf_counter() - started
            if name == "publish":
                result.publication = outcome
            elif name == "build":
                result.build = outcome
    return result
