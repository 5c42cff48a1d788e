"""health.json: can the pipeline and its data be trusted now?

`status` is `failing` when the last run failed or a blocking data-quality check failed or the
row counts do not reconcile (extracted != trusted + quarantined); `degraded` when a warning
check failed, rows are quarantined, or the source has had no new sessions or payments for
more than a day before T; `ok` otherwise. `problems` says why, one line each.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from parking_warehouse import publish
from parking_warehouse.config import Settings
from parking_warehouse.duckdb_resources import connect
from parking_warehouse.reports.records import fetch_records, json_bytes, json_ready, table_exists

STALE_SOURCE_HOURS = 26
EVENT_TABLES = ("backend_core_parkingsession", "backend_core_payment")
_BLOCKING = {"blocking", "critical", "error"}
_DQ_HIDDEN = {"run_id", "details", "validated_at"}  # details: GX's full result, in Data Docs


def _publish_record(publication: dict | None, timezone: str) -> dict | None:
    if not publication:
        return None
    published_at = datetime.fromisoformat(publication["published_at"]).astimezone(ZoneInfo(timezone))
    return {"published_at": published_at.isoformat(), "run_date": publication["run_date"],
            "run_id": publication.get("data_run_id") or publication["run_id"],
            "version": publication["version"]}


def _is_failed(result: dict) -> bool:
    for column in ("success", "passed"):
        if column in result:
            return result[column] is False
    return str(result.get("status", "")).lower() in {"failed", "fail", "error"}


def _is_blocking(result: dict) -> bool:
    if isinstance(result.get("blocking"), bool):
        return result["blocking"]
    return str(result.get("severity", "blocking")).lower() in _BLOCKING


def data_quality_summary(con, run_id: str | None, timezone: str) -> dict:
    """The data-quality results a run recorded in audit.dq_results."""
    results = []
    if run_id and table_exists(con, "audit", "dq_results"):
        columns = [row[0] for row in con.execute(
            "select column_name from information_schema.columns where table_schema = 'audit' "
            "and table_name = 'dq_results' order by ordinal_position").fetchall()]
        shown = ", ".join(c for c in columns if c not in _DQ_HIDDEN) or "*"
        results = fetch_records(con, f"select {shown} from audit.dq_results where run_id = ? order by all",
                                [run_id], timezone=timezone)
    failed = [r for r in results if _is_failed(r)]
    return {
        "run_id": run_id,
        "checks": len(results),
        "failed": len(failed),
        "blocking_failed": sum(_is_blocking(r) for r in failed),
        "results": results,
    }


def _reconciles(row: dict) -> bool:
    for column in ("is_balanced", "balanced", "reconciles", "is_reconciled", "matches"):
        if isinstance(row.get(column), bool):
            return row[column]
    extracted = next((row[c] for c in ("rows_extracted", "extracted_rows", "raw_rows") if c in row), None)
    trusted = next((row[c] for c in ("rows_trusted", "trusted_rows") if c in row), None)
    quarantined = next((row[c] for c in ("rows_quarantined", "quarantined_rows") if c in row), None)
    if None in (extracted, trusted, quarantined):
        return True
    return extracted == trusted + quarantined


def build_health(con, *, run_date: date, timezone: str, publication: dict | None,
                 run_id: str | None) -> dict:
    """health.json for the published warehouse `con` (read-only), built for D by run `run_id`."""
    sources, reconciliation, quarantine = [], [], []
    if table_exists(con, "marts", "source_freshness"):
        sources = fetch_records(
            con, "select table_name, row_count, newest_updated_at, lag_hours "
                 "from marts.source_freshness order by table_name", timezone=timezone)
    if table_exists(con, "marts", "row_reconciliation"):
        reconciliation = fetch_records(con, "select * from marts.row_reconciliation order by all",
                                       timezone=timezone)
    if table_exists(con, "marts", "quarantine_summary"):
        quarantine = fetch_records(
            con, "select table_name, reason, row_count from marts.quarantine_summary "
                 "where row_count > 0 order by table_name, reason", timezone=timezone)
    data_quality = data_quality_summary(con, run_id, timezone)

    failing, degraded = [], []
    if publication is None:
        failing.append("the warehouse has never been published")
    if data_quality["blocking_failed"]:
        failing.append(f"{data_quality['blocking_failed']} blocking data-quality check(s) failed")
    warnings = data_quality["failed"] - data_quality["blocking_failed"]
    if warnings:
        degraded.append(f"{warnings} warning data-quality check(s) failed")
    for row in reconciliation:
        if not _reconciles(row):
            failing.append(f"{row.get('table_name')}: rows extracted != rows trusted + rows quarantined")
    quarantined_rows = sum(row["row_count"] for row in quarantine)
    if quarantined_rows:
        tables = sorted({row["table_name"] for row in quarantine})
        degraded.append(f"{quarantined_rows} source row(s) quarantined ({', '.join(tables)})")
    for row in sources:
        lag = row.get("lag_hours")
        if row["table_name"] in EVENT_TABLES and (lag is None or lag > STALE_SOURCE_HOURS):
            degraded.append(f"{row['table_name']}: no change in the source for "
                            f"{'ever' if lag is None else f'{lag:g} h'} before T")
    status = "failing" if failing else "degraded" if degraded else "ok"
    as_of = datetime.combine(date.fromordinal(run_date.toordinal() + 1), datetime.min.time(),
                             tzinfo=ZoneInfo(timezone))
    return {
        "status": status,
        "problems": failing + degraded,
        "run_date": run_date.isoformat(),
        "as_of": as_of.isoformat(),
        "timezone": timezone,
        "last_publish": _publish_record(publication, timezone),
        "source_tables": sources,
        "reconciliation": reconciliation,
        "data_quality": data_quality,
        "quarantine": {"total_rows": quarantined_rows, "by_table_and_reason": quarantine},
    }


def write_health(reports_dir: Path, health: dict) -> Path:
    """REPORTS_DIR/health.json: the health now (the last run's outcome), replaced atomically."""
    reports_dir.mkdir(parents=True, exist_ok=True)
    path = reports_dir / "health.json"
    partial = path.with_suffix(".partial")
    partial.write_bytes(json_bytes(health))
    partial.replace(path)
    return path


def write_failure_health(settings: Settings, *, run_date: date, run_id: str, step: str,
                         error: BaseException) -> Path:
    """After a failed run: REPORTS_DIR/health.json says `failing`, why, and what is still published."""
    publication = publish.current_publication(settings.warehouse)
    health = None
    if publication and publication.get("run_date"):
        last = settings.reports_dir / publication["run_date"] / "health.json"
        if last.exists():
            health = json.loads(last.read_text())
    if health is None:
        health = {"status": "failing", "problems": [],
                  "last_publish": _publish_record(publication, settings.timezone)}
    message = f"run {run_id} for {run_date.isoformat()} failed at step {step}: {error}".strip()
    failed_run = {"run_id": run_id, "run_date": run_date.isoformat(), "step": step,
                  "error": f"{type(error).__name__}: {error}",
                  "data_quality": _working_copy_data_quality(settings, run_id)}
    health = {"status": "failing", "problems": [message] + health.get("problems", []),
              **{k: v for k, v in health.items() if k not in ("status", "problems")},
              "failed_run": json_ready(failed_run, settings.timezone)}
    return write_health(settings.reports_dir, health)


def _working_copy_data_quality(settings: Settings, run_id: str) -> dict | None:
    working = publish.warehouse_paths(settings.warehouse).working_copy(run_id)
    if not working.exists():
        return None
    try:  # read-write: a step may still hold it open in this process (same configuration)
        con = connect(working)
    except duckdb.Error:
        return None
    try:
        return data_quality_summary(con, run_id, settings.timezone)
    except duckdb.Error:
        return None
    finally:
        con.close()


def check_published_file(warehouse: Path | str) -> str:
    """`parking-warehouse check`: the published file against the checksum its publish recorded.

    Returns a line saying it is intact; raises ParkingWarehouseError when it was changed on disk
    (a bad disk, a hand edit), naming the remedy: `rollback` puts back the last good version
    (rollback verifies that version's own checksum first).
    """
    from parking_warehouse.errors import ParkingWarehouseError

    record = publish.current_publication(warehouse)
    path = publish.warehouse_paths(warehouse).published
    if record is None:
        raise ParkingWarehouseError(f"{path}: never published (no publications.json record)")
    try:
        digest = publish.sha256_file(path)
    except OSError as error:
        raise ParkingWarehouseError(f"{path}: cannot read the published file: {error}") from None
    if digest != record["sha256"]:
        raise ParkingWarehouseError(
            f"{path} is corrupted: its sha256 {digest[:16]}... differs from the one recorded when "
            f"version {record['version']} (run {record['run_id']}) was published "
            f"({record['sha256'][:16]}...); run `parking-warehouse rollback` to put back the "
            "previous good version, then the daily run again")
    return f"{path}: intact (version {record['version']}, run {record['run_id']}, sha256 {digest[:16]}...)"
