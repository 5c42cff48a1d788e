"""Reports asked for by a person: only an admin may, for a period the warehouse covers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from parking_warehouse import publish
from parking_warehouse.config import Settings
from parking_warehouse.duckdb_resources import connect
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.reports.records import json_bytes, table_exists
from parking_warehouse.reports.store import (
    REPORT_TYPES,
    period_report_data,
    report_title,
    upsert_report,
)

_USER_TABLES = (("core", "dim_users"), ("staging", "stg_users"))
REPORT_RUN_PREFIX = "report_"  # run ids of report publications (the daily publish carries them over)


@dataclass(frozen=True)
class CustomReport:
    report_id: int
    report_type: str
    title: str
    date_from: date
    date_to: date
    generated_by: int
    path: Path
    publication: publish.Publication

    def __str__(self) -> str:
        return (f"{self.title} (id {self.report_id}, by user {self.generated_by}) stored in "
                f"marts.analytics_reports of {self.publication.warehouse} and written to {self.path}")


def user_role(con, user_id: int) -> str | None:
    """The role of a user in the warehouse (core.dim_users, else staging.stg_users), None if unknown."""
    for schema, table in _USER_TABLES:
        if table_exists(con, schema, table):
            row = con.execute(f"select role from {schema}.{table} where user_id = ?", [user_id]).fetchone()
            return row[0] if row else None
    raise ParkingWarehouseError(
        "the warehouse has no users table (core.dim_users or staging.stg_users): run the daily "
        "pipeline (parking-warehouse run) before asking for reports"
    )


def check_request(con, *, report_type: str, date_from: date, date_to: date, generated_by: int,
                  published_run_date: str | None) -> None:
    """Refuse, with a message naming the problem, what may not or cannot be reported."""
    if report_type not in REPORT_TYPES:
        raise ParkingWarehouseError(f"report type {report_type!r} is not one of {', '.join(REPORT_TYPES)}")
    if date_from > date_to:
        raise ParkingWarehouseError(
            f"date_from {date_from.isoformat()} is after date_to {date_to.isoformat()}: "
            "a report period must run forwards"
        )
    role = user_role(con, generated_by)
    if role is None:
        raise ParkingWarehouseError(f"user {generated_by} (generated_by) is not a user in the warehouse")
    if role != "admin":
        raise ParkingWarehouseError(
            f"user {generated_by} has role {role!r}: only a user with role 'admin' may generate a report"
        )
    if published_run_date and date_to.isoformat() > published_run_date:
        raise ParkingWarehouseError(
            f"date_to {date_to.isoformat()} is after {published_run_date}, the last day the "
            "published warehouse holds: run the daily pipeline for that day first"
        )


def generate_custom_report(settings: Settings, *, report_type: str = "custom", date_from: date,
                           date_to: date, generated_by: int, lock_wait_seconds: float = 0.0) -> CustomReport:
    """Store a report for date_from..date_to in marts.analytics_reports and write it as JSON.

    Checks the request against the published warehouse (read-only, so a refusal is quick and
    changes nothing), then stores the report in a working copy and publishes it as a daily run
    does: readers never see a half-written table.
    The JSON goes to REPORTS_DIR/reports/<type>_<from>_<to>.json.
    """
    warehouse = settings.warehouse
    if not warehouse.exists():
        raise ParkingWarehouseError(f"no published warehouse at {warehouse}: run the daily pipeline first")
    base = publish.current_publication(warehouse) or {}
    con = connect(warehouse, read_only=True)
    try:
        check_request(con, report_type=report_type, date_from=date_from, date_to=date_to,
                      generated_by=generated_by, published_run_date=base.get("run_date"))
    finally:
        con.close()

    run_id = f"{REPORT_RUN_PREFIX}{report_type}_{date_from.isoformat()}_{date_to.isoformat()}_by_{generated_by}"
    with publish.run_lock(warehouse, run_id=run_id, wait_seconds=lock_wait_seconds):
        base = publish.current_publication(warehouse) or {}
        working = publish.prepare_working_copy(warehouse, run_id)
        try:
            con = connect(working)
            try:
                data = period_report_data(con, date_from, date_to, timezone=settings.timezone)
                report_id = upsert_report(con, report_type=report_type, date_from=date_from,
                                          date_to=date_to, data=data, generated_by=generated_by)
            finally:
                con.close()
            publication = publish.publish(warehouse, run_id, run_date=base.get("run_date"),
                                          data_run_id=base.get("data_run_id"))
        except BaseException:
            publish.discard_working_copy(warehouse, run_id)
            raise
    path = settings.reports_dir / "reports" / f"{report_type}_{date_from.isoformat()}_{date_to.isoformat()}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_bytes(json_bytes({"id": report_id, "report_type": report_type,
                                    "title": report_title(report_type, date_from, date_to),
                                    "generated_by": generated_by, "data": data}))
    partial.replace(path)
    return CustomReport(report_id, report_type, report_title(report_type, date_from, date_to),
                        date_from, date_to, generated_by, path, publication)
