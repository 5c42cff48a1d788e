"""extract_to_raw: load every source table into the raw layer, one DuckDB transaction per table."""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from extract import raw_layer
from extract.contract import TablePlan, plan_table
from extract.sources import Selection, Source, open_source
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.source_schema import SOURCE_TABLES

LOOKBACK_ENV = "PARKING_EXTRACT_LOOKBACK_MINUTES"
DEFAULT_LOOKBACK_MINUTES = 5
REREAD_LIMIT = 10_000  # more rows without a datetime updated_at than this: read the whole table


@dataclass(frozen=True)
class TableLoad:
    """One table's load: a row of raw._load_history."""

    run_id: str
    table_name: str
    mode: str  # 'full' or 'incremental'
    window_from: datetime | None  # updated_at window read (UTC); None: from the beginning
    window_to: datetime | None  # newest parseable updated_at in raw after the load (the high-water mark)
    rows_read: int
    rows_inserted: int
    rows_updated: int
    rows_deleted: int
    started_at: datetime
    finished_at: datetime
    duration_seconds: float


def extract_to_raw(
    source: str,
    warehouse: Path,
    *,
    full_refresh: bool = False,
    lookback_minutes: int | None = None,
    run_id: str | None = None,
) -> list[TableLoad]:
    """Load the operational database `source` (SQLite path or postgresql:// URL) into `raw.*`.

    The first load of a table reads everything; later loads read the rows changed since the
    table's high-water mark minus `lookback_minutes` and upsert them by id. `full_refresh`
    re-reads every table and marks rows gone from the source with `_deleted_at`. Every table
    is checked against the contract before anything is written.
    """
    lookback = timedelta(minutes=resolve_lookback_minutes(lookback_minutes))
    run_id = run_id or new_run_id()
    src = open_source(str(source))
    try:
        plans = [plan_table(table, src.table_columns(table), src.label) for table in SOURCE_TABLES]
        con = raw_layer.open_warehouse(Path(warehouse))
        try:
            return [
                load_table(con, src, plan, run_id=run_id, full_refresh=full_refresh, lookback=lookback)
                for plan in plans
            ]
        finally:
            raw_layer.close_warehouse(con)
    finally:
        src.close()


def load_table(con, src: Source, plan: TablePlan, *, run_id: str, full_refresh: bool,
               lookback: timedelta) -> TableLoad:
    started_at = datetime.now(UTC)
    # The high-water mark never passes the moment of the source's snapshot: a row committed
    # after it, stamped before it, is then still inside the next load's window (see docs/extract.md).
    cap = min(started_at, src.snapshot_at or started_at)
    clock = time.perf_counter()
    con.begin()
    try:
        value_columns = raw_layer.prepare_table(con, plan)
        window_from = None
        deleted = updated = 0
        if raw_layer.is_empty(con, plan.table):
            mode = "full"
            reader = src.reader(plan, Selection())
            inserted = raw_layer.append_all(con, plan, reader, run_id)
            window_to, reread = raw_layer.change_marks(con, raw_layer.raw_table(plan.table), cap)
        else:
            previous = None
            if full_refresh:
                mode, selection = "full", Selection()
            else:
                mode = "incremental"
                selection, window_from, previous = _incremental_selection(con, plan.table, cap, lookback)
            reader = src.reader(plan, selection)
            raw_layer.stage(con, plan, value_columns, reader)
            inserted, updated = raw_layer.merge(con, plan.table, value_columns, run_id)
            if full_refresh:
                deleted = raw_layer.mark_deleted(con, plan.table, run_id)
            staged, reread = raw_layer.change_marks(con, raw_layer.STAGE, cap)
            window_to = max((v for v in (previous, staged) if v is not None), default=None)
            raw_layer.drop_stage(con)
        load = TableLoad(
            run_id=run_id, table_name=plan.table, mode=mode, window_from=window_from,
            window_to=window_to, rows_read=reader.rows, rows_inserted=inserted,
            rows_updated=updated, rows_deleted=deleted, started_at=started_at,
            finished_at=datetime.now(UTC),
            duration_seconds=round(time.perf_counter() - clock, 6),
        )
        raw_layer.record_load(con, load, reread)
        con.commit()
    except BaseException:
        con.rollback()
        raise
    return load


def _incremental_selection(con, table: str, now: datetime, lookback: timedelta
                           ) -> tuple[Selection, datetime | None, datetime | None]:
    """(selection, window_from, previous high-water mark) of an incremental load.

    The mark and the rows to re-read by id come from the table's last load in
    `_load_history` (computed from raw only if there is none), so finding them does not
    grow with the history.
    """
    found, previous, reread = raw_layer.previous_load(con, table)
    if not found:
        previous, reread = raw_layer.change_marks(con, raw_layer.raw_table(table), now)
    if previous is None or len(reread) > REREAD_LIMIT:
        return Selection(), None, previous  # no usable mark: read everything
    window_from = previous - lookback
    selection = Selection(changed_since=utc_text(window_from), above_id=raw_layer.max_id(con, table),
                          reread_ids=tuple(reread))
    return selection, window_from, previous


def resolve_lookback_minutes(value: int | None) -> int:
    """The argument, else PARKING_EXTRACT_LOOKBACK_MINUTES, else a few minutes."""
    origin = "--lookback-minutes"
    if value is None:
        text = os.environ.get(LOOKBACK_ENV)
        if not text:
            return DEFAULT_LOOKBACK_MINUTES
        origin = LOOKBACK_ENV
        try:
            value = int(text)
        except ValueError:
            raise ParkingWarehouseError(f"{origin}={text!r} is not a whole number of minutes") from None
    if value < 0:
        raise ParkingWarehouseError(f"{origin}={value} must not be negative")
    return value


def new_run_id() -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"extract_{stamp}_{secrets.token_hex(3)}"


def utc_text(value: datetime) -> str:
    """UTC `YYYY-MM-DD HH:MM:SS[.ffffff]`, the form Django stores on SQLite."""
    value = value.astimezone(UTC)
    text = value.strftime("%Y-%m-%d %H:%M:%S")
    return text + (f".{value.microsecond:06d}" if value.microsecond else "")


def format_load_report(loads: list[TableLoad]) -> str:
    """One line per table: mode, rows read, inserted, updated, deleted, seconds."""
    width = max((len(load.table_name) for load in loads), default=0)
    return "\n".join(
        f"{load.table_name:<{width}}  {load.mode:<11}  read {load.rows_read:>10,}  "
        f"inserted {load.rows_inserted:>10,}  updated {load.rows_updated:>8,}  "
        f"deleted {load.rows_deleted:>6,}  {load.duration_seconds:7.2f} s"
        for load in loads
    )
