"""REPORTS_DIR/D/: the run's outputs as files, read from the published warehouse.

    dashboard_summary.json ... slot_usage.json   the nine outputs (analytics-spec.md)
    occupancy_timeline.json, operations.json      the operator KPIs of D (outputs 10-13)
    health.json                                   can the data be trusted (reports/health.py)
    manifest.json                                 run id, D, T, time zone, row counts, sha256
    index.html                                    the page an operator opens (reports/html.py)

The folder is written beside its final place and renamed into it, so a reader sees the old
folder or the new one, never a mix. REPORTS_DIR/health.json always holds the latest health.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from parking_warehouse import publish
from parking_warehouse.config import Settings
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.reports.health import build_health, write_health
from parking_warehouse.reports.html import render_index
from parking_warehouse.reports.outputs import OPERATOR_OUTPUT_NAMES, OUTPUT_NAMES
from parking_warehouse.reports.records import fetch_records, json_bytes, table_exists

TREND_DAYS = 30


def read_trend(con, run_date: date, *, timezone: str, days: int = TREND_DAYS) -> list[dict]:
    """marts.system_metrics for the `days` run dates up to D."""
    if not table_exists(con, "marts", "system_metrics"):
        return []
    return fetch_records(
        con,
        "select run_date, timestamp, total_slots, occupied_slots, available_slots, occupancy_rate, "
        "daily_revenue, active_sessions, occupancy_status from marts.system_metrics "
        "where run_date between ? and ? order by run_date",
        [run_date - timedelta(days=days - 1), run_date], timezone=timezone,
    )


def marts_row_counts(con) -> dict[str, int]:
    tables = [row[0] for row in con.execute(
        "select table_name from information_schema.tables where table_schema = 'marts' order by table_name"
    ).fetchall()]
    return {table: con.execute(f'select count(*) from marts."{table}"').fetchone()[0] for table in tables}


def _record_count(value) -> int:
    if isinstance(value, dict) and isinstance(value.get("zones"), list):
        return len(value["zones"])  # operations.json: one record per zone and "All zones"
    return len(value) if isinstance(value, list) else 1


REPORT_OUTPUT_NAMES = OUTPUT_NAMES + OPERATOR_OUTPUT_NAMES


def render_report_files(*, outputs: dict, health: dict, trend: list[dict], run_id: str,
                        run_date: date, timezone: str, publication: dict | None,
                        marts_counts: dict[str, int]) -> dict[str, bytes]:
    """Every file of the report folder, as bytes, in a fixed order (manifest last)."""
    as_of = datetime.combine(run_date + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(timezone))
    files = {f"{name}.json": json_bytes(outputs[name]) for name in REPORT_OUTPUT_NAMES}
    files["health.json"] = json_bytes(health)
    links = {
        "Data Docs (data-quality results)": "../data_docs/index.html",
        "dbt docs (models and columns)": "../dbt_docs/index.html",
        "health.json": "health.json",
        "manifest.json": "manifest.json",
    }
    files["index.html"] = render_index(
        outputs=outputs, health=health, trend=trend,
        meta={"run_id": run_id, "run_date": run_date.isoformat(), "as_of": as_of.isoformat(),
              "timezone": timezone, "links": links, "files": [f"{name}.json" for name in REPORT_OUTPUT_NAMES]},
    ).encode("utf-8")
    manifest = {
        "run_id": run_id,
        "run_date": run_date.isoformat(),
        "as_of": as_of.isoformat(),
        "timezone": timezone,
        "generated_at": datetime.now(UTC).astimezone(ZoneInfo(timezone)).isoformat(timespec="seconds"),
        "warehouse": {
            "version": (publication or {}).get("version"),
            "published_at": (publication or {}).get("published_at"),
            "sha256": (publication or {}).get("sha256"),
        },
        "row_counts": {
            "outputs": {name: _record_count(outputs[name]) for name in REPORT_OUTPUT_NAMES},
            "marts": marts_counts,
        },
        "files": {name: {"bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}
                  for name, data in files.items()},
    }
    files["manifest.json"] = json_bytes(manifest)
    return files


def write_report_folder(folder: Path, files: dict[str, bytes]) -> Path:
    """Write the files into a sibling folder, then swap it in (two renames; never a half folder)."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    partial = folder.with_name(f".{folder.name}.partial")
    old = folder.with_name(f".{folder.name}.old")
    for leftover in (partial, old):
        shutil.rmtree(leftover, ignore_errors=True)
    partial.mkdir()
    for name, data in files.items():
        (partial / name).write_bytes(data)
    if folder.exists():
        os.rename(folder, old)
    os.rename(partial, folder)
    shutil.rmtree(old, ignore_errors=True)
    return folder


def materialise_reports(settings: Settings, *, run_date: date, run_id: str) -> Path:
    """Write REPORTS_DIR/D/ from the published warehouse, which must hold the marts for D."""
    from parking_warehouse.reports.outputs import build_operator_outputs, build_outputs, operation_timeline

    publication = publish.current_publication(settings.warehouse)
    if publication is None or publication.get("run_date") != run_date.isoformat():
        held = publication.get("run_date") if publication else "nothing"
        raise ParkingWarehouseError(
            f"the published warehouse {settings.warehouse} holds the marts for {held}, not for "
            f"{run_date.isoformat()}: run the pipeline for {run_date.isoformat()} (it publishes, "
            "then writes the reports)"
        )
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        outputs = build_outputs(con, timezone=settings.timezone)
        outputs.update(build_operator_outputs(con, timezone=settings.timezone))
        outputs["occupancy_timeline_all"] = operation_timeline(con, timezone=settings.timezone)
        health = build_health(con, run_date=run_date, timezone=settings.timezone,
                              publication=publication, run_id=run_id)
        trend = read_trend(con, run_date, timezone=settings.timezone)
        counts = marts_row_counts(con)
    finally:
        con.close()
    missing = [name for name in REPORT_OUTPUT_NAMES if name not in outputs]
    if missing:
        raise ParkingWarehouseError(f"build_outputs returned no {', '.join(missing)}")
    files = render_report_files(outputs=outputs, health=health, trend=trend, run_id=run_id,
                                run_date=run_date, timezone=settings.timezone, publication=publication,
                                marts_counts=counts)
    folder = write_report_folder(settings.reports_dir / run_date.isoformat(), files)
    write_health(settings.reports_dir, health)
    return folder
