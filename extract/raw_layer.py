"""The DuckDB side: raw tables, upserts by id, deletion marks and the load history.

Every function here runs inside the caller's transaction (one per table), so a crash at any
point leaves the raw layer as it was before that table's load.
"""

from __future__ import annotations

import contextlib
import os
from dataclasses import fields
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from extract.batches import ChunkedReader
from extract.contract import CHANGE_COLUMN, KEY, METADATA_COLUMNS, TablePlan
from parking_warehouse.duckdb_resources import connect
from parking_warehouse.errors import ParkingWarehouseError

SCHEMA = "raw"
HISTORY = f"{SCHEMA}._load_history"
STAGE = "_extract_stage"
CHANGES = "_extract_changes"
BATCHES_VIEW = "_extract_batches"
COMPRESSION_ENV = "PARKING_EXTRACT_COMPRESSION"
COMPRESSIONS = ("zstd", "auto", "uncompressed")

HISTORY_DDL = f"""
create table if not exists {HISTORY} (
    run_id           varchar,
    table_name       varchar,
    mode             varchar,
    window_from      timestamptz,
    window_to        timestamptz,
    rows_read        bigint,
    rows_inserted    bigint,
    rows_updated     bigint,
    rows_deleted     bigint,
    started_at       timestamptz,
    finished_at      timestamptz,
    duration_seconds double,
    reread_ids       bigint[]
)
"""


def q(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def raw_table(table: str) -> str:
    return f"{SCHEMA}.{q(table)}"


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    path = Path(path)
    text_compression = compression()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = connect(str(path))
    except (duckdb.Error, OSError) as error:
        raise ParkingWarehouseError(f"warehouse {path}: cannot open it for writing: {error}") from None
    # Row order in raw carries no meaning; without it DuckDB appends in parallel.
    con.execute("set preserve_insertion_order = false")
    # ZSTD for the raw text by default: about 0.6x the CPU of DuckDB's own choice (dictionary +
    # FSST) for a file about 1.35x as big; see docs/extract.md.
    con.execute(f"set force_compression = '{text_compression}'")
    con.execute("set enable_progress_bar = false")
    con.execute(f"create schema if not exists {SCHEMA}")
    con.execute(HISTORY_DDL)
    con.execute(f"alter table {HISTORY} add column if not exists reread_ids bigint[]")
    return con


def compression() -> str:
    """PARKING_EXTRACT_COMPRESSION: how raw text is stored (zstd, auto or uncompressed)."""
    value = os.environ.get(COMPRESSION_ENV) or "zstd"
    if value not in COMPRESSIONS:
        raise ParkingWarehouseError(
            f"{COMPRESSION_ENV}={value!r}: expected one of {', '.join(COMPRESSIONS)}")
    return value


def close_warehouse(con: duckdb.DuckDBPyConnection) -> None:
    """Close, leaving no setting behind for another connection of this process to the file."""
    try:
        con.execute("reset force_compression")
    finally:
        con.close()


def prepare_table(con: duckdb.DuckDBPyConnection, plan: TablePlan) -> list[str]:
    """Create the raw table or add the source's new columns; returns its value columns in order."""
    columns = ", ".join(f"{q(c)} varchar" for c in plan.value_columns)
    con.execute(
        f"create table if not exists {raw_table(plan.table)} ("
        f"{KEY} bigint, {columns}, _loaded_at timestamptz, _run_id varchar, _deleted_at timestamptz)"
    )
    existing = _columns(con, plan.table)
    for column in plan.value_columns:
        if column not in existing:
            con.execute(f"alter table {raw_table(plan.table)} add column {q(column)} varchar")
    return [c for c in _columns(con, plan.table) if c != KEY and c not in METADATA_COLUMNS]


def _columns(con, table: str) -> list[str]:
    rows = con.execute(
        "select column_name from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [SCHEMA, table],
    ).fetchall()
    return [row[0] for row in rows]


def is_empty(con, table: str) -> bool:
    sql = f"select count(*) = 0 from (select 1 from {raw_table(table)} limit 1)"
    return con.execute(sql).fetchall()[0][0]


def max_id(con, table: str) -> int | None:
    return con.execute(f"select max({KEY}) from {raw_table(table)}").fetchall()[0][0]


def change_marks(con, relation: str, cap: datetime) -> tuple[datetime | None, list[int]]:
    """(high-water mark, ids to re-read) of a relation, in one pass over `updated_at`.

    The mark is the newest `updated_at` that parses as a datetime and is not after `cap` (the
    load's start: a value in the future would stop every later window; such rows are re-read by
    the `>=` window anyway). The ids are those of rows whose `updated_at` does not parse: no
    window selects them, so the next incremental load re-reads them by id.
    """
    mark, ids = con.execute(
        f"select max(ts) filter (where ts <= ?), coalesce(list({KEY} order by {KEY}) "
        f"filter (where ts is null), []) "
        f"from (select {KEY}, try_cast({q(CHANGE_COLUMN)} as timestamp) as ts from {relation})",
        [_naive_utc(cap)],
    ).fetchall()[0]
    return _aware_utc(mark), list(ids)


def previous_load(con, table: str) -> tuple[bool, datetime | None, list[int]]:
    """(found, window_to, reread_ids) of the table's last load: where the next one starts."""
    rows = con.execute(
        f"select window_to, reread_ids from {HISTORY} where table_name = ? "
        "order by finished_at desc limit 1",
        [table],
    ).fetchall()
    if not rows:
        return False, None, []
    window_to, reread = rows[0]
    return True, _aware_utc(window_to), list(reread or [])


def append_all(con, plan: TablePlan, reader: ChunkedReader, run_id: str) -> int:
    """First load of an empty raw table: stream the batches straight into it."""
    columns = ", ".join(q(c) for c in plan.columns)
    return _with_batches(
        con, reader,
        f"insert into {raw_table(plan.table)} ({columns}, _loaded_at, _run_id) "
        f"select {columns}, now(), ? from {BATCHES_VIEW}",
        [run_id],
    )


def stage(con, plan: TablePlan, value_columns: list[str], reader: ChunkedReader) -> int:
    """Land the rows read in a temporary table shaped like the raw table (missing columns NULL)."""
    read = set(plan.columns)
    select = ", ".join(
        [KEY] + [q(c) if c in read else f"null::varchar as {q(c)}" for c in value_columns]
    )
    return _with_batches(
        con, reader, f"create or replace temp table {STAGE} as select {select} from {BATCHES_VIEW}", []
    )


def _with_batches(con, reader: ChunkedReader, sql: str, params: list) -> int:
    con.register(BATCHES_VIEW, reader.record_batch_reader())
    try:
        rows = con.execute(sql, params).fetchall()
        count = rows[0][0] if rows else 0
    except duckdb.Error:
        if reader.error is not None:  # the source failed: report that, not DuckDB's wrapper
            raise reader.error from None
        raise
    finally:
        reader.close()
        # in a transaction aborted by the failure DuckDB refuses this (and would hide the
        # source's error); the rollback that follows drops the view anyway
        with contextlib.suppress(duckdb.Error):
            con.unregister(BATCHES_VIEW)
    if reader.error is not None:
        raise reader.error
    return count


def merge(con, table: str, value_columns: list[str], run_id: str) -> tuple[int, int]:
    """Upsert the staged rows by id; returns (inserted, updated).

    A staged row that equals its raw version (and is not marked deleted) is left alone, so
    re-reading unchanged rows writes nothing.
    """
    differs = " or ".join(f"s.{q(c)} is distinct from r.{q(c)}" for c in value_columns) or "false"
    con.execute(
        f"create or replace temp table {CHANGES} as "
        f"select s.*, r.{KEY} is null as _is_new from {STAGE} s "
        f"left join {raw_table(table)} r on r.{KEY} = s.{KEY} "
        f"where r.{KEY} is null or r._deleted_at is not null or {differs}"
    )
    inserted, updated = con.execute(
        f"select count(*) filter (where _is_new), count(*) filter (where not _is_new) from {CHANGES}"
    ).fetchall()[0]
    if updated:
        con.execute(
            f"delete from {raw_table(table)} "
            f"where {KEY} in (select {KEY} from {CHANGES} where not _is_new)"
        )
    if inserted or updated:
        columns = ", ".join([KEY] + [q(c) for c in value_columns])
        con.execute(
            f"insert into {raw_table(table)} ({columns}, _loaded_at, _run_id, _deleted_at) "
            f"select {columns}, now(), ?, null from {CHANGES}",
            [run_id],
        )
    con.execute(f"drop table {CHANGES}")
    return inserted, updated


def mark_deleted(con, table: str, run_id: str) -> int:
    """Full refresh: rows no longer in the source get `_deleted_at` (they are kept)."""
    rows = con.execute(
        f"update {raw_table(table)} set _deleted_at = now(), _run_id = ? "
        f"where _deleted_at is null and {KEY} not in (select {KEY} from {STAGE})",
        [run_id],
    ).fetchall()
    return rows[0][0] if rows else 0


def drop_stage(con) -> None:
    con.execute(f"drop table if exists {STAGE}")


def record_load(con, load, reread_ids: list[int]) -> None:
    """The table's `_load_history` row: the TableLoad's fields, then the ids to re-read."""
    values = {field.name: getattr(load, field.name) for field in fields(load)}
    values["reread_ids"] = reread_ids
    con.execute(
        f"insert into {HISTORY} ({', '.join(values)}) values ({', '.join('?' for _ in values)})",
        list(values.values()),
    )


def _naive_utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)


def _aware_utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
