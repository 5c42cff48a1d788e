"""Rows out of DuckDB as JSON-ready records, and JSON written the same way every time."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo


def json_ready(value, timezone: str):
    """A DuckDB value as JSON: instants in local time with offset, dates plain, decimals as numbers."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(ZoneInfo(timezone))
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {key: json_ready(item, timezone) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_ready(item, timezone) for item in value]
    return value


def fetch_records(con, sql: str, params: list | None = None, *, timezone: str) -> list[dict]:
    """Run a query; each row as a dict in the query's column order (a few rows: summaries only)."""
    cursor = con.execute(sql, params or [])
    columns = [description[0] for description in cursor.description]
    return [dict(zip(columns, json_ready(list(row), timezone))) for row in cursor.fetchall()]


def table_exists(con, schema: str, table: str) -> bool:
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?",
        [schema, table],
    ).fetchone()[0])


def json_bytes(data) -> bytes:
    """Deterministic JSON: the given field order, indent 2, UTF-8, one final newline."""
    return (json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False, default=_default)
            + "\n").encode("utf-8")


def _default(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable: {value!r}")
