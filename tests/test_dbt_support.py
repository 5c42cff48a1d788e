"""Support for the dbt tests: a stand-in for the extract that fills the raw layer from SQLite.

It follows the raw-layer contract of docs/architecture.md (id BIGINT, every other column
VARCHAR as the source had it, REAL through its shortest text, personal columns dropped, plus
_loaded_at, _run_id, _deleted_at), and, like an incremental extraction, rewrites only rows
whose values changed and marks vanished rows deleted. The dbt tests use it so that they prove
the models alone; tests/test_spec_*.py go through the real extract.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb

from parking_warehouse.source_schema import PERSONAL_COLUMNS, SOURCE_TABLES


def _text(value):
    if value is None:
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    if isinstance(value, float):
        return repr(value)
    return str(value)


def load_raw(source: Path, warehouse: Path, *, loaded_at: datetime | None = None,
             run_id: str = "test") -> None:
    """Bring raw.* in `warehouse` up to date with the SQLite file `source`."""
    loaded_at = loaded_at or datetime.now(UTC)
    src = sqlite3.connect(source)
    src.text_factory = bytes
    con = duckdb.connect(str(warehouse))
    try:
        con.execute("create schema if not exists raw")
        for table in SOURCE_TABLES:
            columns = [row[1].decode() if isinstance(row[1], bytes) else row[1]
                       for row in src.execute(f"pragma table_info({table})")]
            kept = [c for c in columns if c not in PERSONAL_COLUMNS.get(table, ())]
            rows = [tuple(_text(v) for v in row)
                    for row in src.execute(f"select {', '.join(kept)} from {table}")]
            rows = [(int(row[0]),) + row[1:] for row in rows]
            others = ", ".join(f'"{c}" varchar' for c in kept[1:])
            con.execute(f"create table if not exists raw.{table} (id bigint, {others}, "
                        "_loaded_at timestamptz, _run_id varchar, _deleted_at timestamptz)")
            con.execute(f"create or replace temp table snapshot (id bigint, {others})")
            if rows:
                marks = ", ".join("?" for _ in kept)
                con.executemany(f"insert into snapshot values ({marks})", rows)
            names = ", ".join(f'"{c}"' for c in kept)
            con.execute(f"""
                create or replace temp table changed as
                select {names} from snapshot
                except
                select {names} from raw.{table} where _deleted_at is null
            """)
            con.execute(f"delete from raw.{table} where id in (select id from changed)")
            con.execute(f"insert into raw.{table} select {names}, ?, ?, null from changed",
                        [loaded_at, run_id])
            con.execute(f"""
                update raw.{table} set _deleted_at = ?, _run_id = ?
                where _deleted_at is null and id not in (select id from snapshot)
            """, [loaded_at, run_id])
    finally:
        con.close()
        src.close()


def outputs_of(warehouse: Path, tz: str) -> dict:
    """The nine outputs, through a JSON round trip."""
    from parking_warehouse.reports.outputs import build_outputs

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return json.loads(json.dumps(build_outputs(con, timezone=tz)))
    finally:
        con.close()


def query(warehouse: Path, sql: str, params=()) -> list[tuple]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def build(source_db, warehouse: Path, run_date: date, tz: str, **kwargs):
    """Load the source into raw and build the models for `run_date`."""
    from parking_warehouse.transform import build_models

    source_db.commit()
    load_raw(source_db.path, warehouse)
    return build_models(warehouse, run_date=run_date, timezone=tz, **kwargs)
