"""Shared pieces of the spec tests (tests/test_spec_*.py).

The spec tests turn ../shared/analytics-spec.md into hand-computed, exact expected values.
They were written from the spec alone, without reading the models, as a second reading.

- `build(source_db, run_date, tz)`: extract -> dbt build -> the nine outputs, on a warehouse
  beside the source file (so building several dates on one source reuses one warehouse, as a
  daily schedule would);
- `assert_json(got, expected)`: exact comparison of a JSON output with a hand-written literal
  (objects may carry more fields than the spec lists; counts must be integers, flags booleans,
  money/rates/durations numbers);
- `quarantined(warehouse)` / `reconciliation(warehouse)`: the quarantine and the row balance.
"""

from __future__ import annotations

import json
from datetime import UTC, date
from pathlib import Path

import duckdb
from sourcedb import SourceDB

BERLIN = "Europe/Berlin"

# Source table name -> a word that identifies it in whatever naming the warehouse uses
# (source name, staging name, ...). Used only to match quarantine rows loosely.
TABLE_WORDS = {
    "users_customuser": "user",
    "backend_core_parkingzone": "zone",
    "backend_core_parkingslot": "slot",
    "backend_core_vehicle": "vehicle",
    "backend_core_parkingsession": "session",
    "backend_core_payment": "payment",
}


def warehouse_of(source_db: SourceDB) -> Path:
    return source_db.path.with_name("warehouse.duckdb")


def build(
    source_db: SourceDB,
    run_date: date,
    tz: str,
    *,
    full_refresh: bool = False,
    extract_full_refresh: bool = False,
) -> dict:
    """Extract the source into its warehouse, build the models for `run_date`, return the outputs.

    `full_refresh` rebuilds every dbt model; `extract_full_refresh` re-reads every source table
    (and marks rows deleted from the source). The outputs go through a JSON round trip: they must
    be JSON shapes (no Decimal, no datetime).
    """
    from extract import extract_to_raw
    from parking_warehouse.reports.outputs import build_outputs
    from parking_warehouse.transform import build_models

    source_db.commit()
    warehouse = warehouse_of(source_db)
    extract_to_raw(str(source_db.path), warehouse, full_refresh=extract_full_refresh)
    build_models(warehouse, run_date=run_date, timezone=tz, full_refresh=full_refresh)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        outputs = build_outputs(con, timezone=tz)
    finally:
        con.close()
    return json.loads(json.dumps(outputs))


def connect(source_db: SourceDB) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(warehouse_of(source_db)), read_only=True)


def as_json(value):
    return json.loads(json.dumps(value))


# --------------------------------------------------------------------------- comparison


def _project(got, expected):
    """`got` reduced to the keys `expected` names (objects may carry more fields)."""
    if isinstance(expected, dict) and isinstance(got, dict):
        return {
            key: _project(got[key], value) if key in got else "<missing>"
            for key, value in expected.items()
        }
    if isinstance(expected, list) and isinstance(got, list) and len(expected) == len(got):
        return [_project(g, e) for g, e in zip(got, expected)]
    return got


def _type_errors(got, expected, path="$"):
    errors = []
    if isinstance(expected, dict):
        if isinstance(got, dict):
            for key, value in expected.items():
                if key in got:
                    errors += _type_errors(got[key], value, f"{path}.{key}")
    elif isinstance(expected, list):
        if isinstance(got, list):
            for i, (g, e) in enumerate(zip(got, expected)):
                errors += _type_errors(g, e, f"{path}[{i}]")
    elif isinstance(expected, bool):
        if not isinstance(got, bool):
            errors.append(f"{path}: expected a boolean, got {got!r}")
    elif isinstance(expected, int):
        if isinstance(got, bool) or not isinstance(got, int):
            errors.append(f"{path}: expected an integer (a count or id), got {got!r}")
    elif isinstance(expected, float) and (
        isinstance(got, bool) or not isinstance(got, (int, float))
    ):
        errors.append(f"{path}: expected a number, got {got!r}")
    return errors


def assert_json(got, expected) -> None:
    """Values exact (JSON numbers compared as numbers), extra object fields allowed, types strict."""
    assert _project(got, expected) == expected
    assert _type_errors(got, expected) == []


# --------------------------------------------------------------------------- quarantine


def quarantined(source_db: SourceDB) -> dict[str, set[str]]:
    """Quarantined row keys per source table: {'backend_core_payment': {'11', ...}, ...}."""
    con = connect(source_db)
    try:
        rows = con.execute(
            "select table_name, cast(row_key as varchar), reason from quarantine.quarantined_rows"
        ).fetchall()
    finally:
        con.close()
    result: dict[str, set[str]] = {table: set() for table in TABLE_WORDS}
    for table_name, row_key, _reason in rows:
        result[source_table(table_name)].add(row_key)
    return result


def quarantine_reasons(source_db: SourceDB) -> dict[tuple[str, str], set[str]]:
    con = connect(source_db)
    try:
        rows = con.execute(
            "select table_name, cast(row_key as varchar), reason from quarantine.quarantined_rows"
        ).fetchall()
    finally:
        con.close()
    reasons: dict[tuple[str, str], set[str]] = {}
    for table_name, row_key, reason in rows:
        reasons.setdefault((source_table(table_name), row_key), set()).add(reason)
    return reasons


def source_table(table_name: str) -> str:
    """Map the warehouse's table naming to the source table name."""
    name = table_name.lower()
    if name in TABLE_WORDS:
        return name
    # 'payment' before 'session' would not matter; 'user' must not match 'users' inside others.
    for table, word in TABLE_WORDS.items():
        if word in name.split(".")[-1]:
            return table
    raise AssertionError(f"quarantine table_name {table_name!r} names no source table")


def reconciliation(source_db: SourceDB) -> dict[str, tuple[int, int, int]]:
    """{source table: (rows_extracted, rows_trusted, rows_quarantined)} from marts.row_reconciliation."""
    con = connect(source_db)
    try:
        rows = con.execute(
            "select table_name, rows_extracted, rows_trusted, rows_quarantined "
            "from marts.row_reconciliation"
        ).fetchall()
    finally:
        con.close()
    return {source_table(t): (int(e), int(tr), int(q)) for t, e, tr, q in rows}


# --------------------------------------------------------------------------- stored history


def _plain(value, tz: str):
    """A DuckDB value as JSON would carry it: Decimal -> float, instant -> ISO text in `tz`."""
    from datetime import datetime
    from decimal import Decimal
    from zoneinfo import ZoneInfo

    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, datetime):
        if value.tzinfo is None:  # a naive value is taken as UTC
            value = value.replace(tzinfo=UTC)
        return value.astimezone(ZoneInfo(tz)).isoformat()
    return value


def system_metrics_rows(source_db: SourceDB, tz: str) -> list[dict]:
    """marts.system_metrics, one dict per row, ordered by T."""
    con = connect(source_db)
    try:
        cursor = con.execute('select * from marts.system_metrics order by "timestamp"')
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    return [{name: _plain(value, tz) for name, value in zip(names, row)} for row in rows]


# --------------------------------------------------------------------------- scenario builders


def make_plain_day(db: SourceDB) -> SourceDB:
    db.user("user", id=1)
    db.user("user", id=2)
    db.user("admin", id=3)

    db.zone("Center", "2.00", id=1)
    db.zone("Airport", "3.00", id=2)
    db.zone("Old Town", "1.50", id=3, is_active=0)

    db.slot(1, "A1", id=1, slot_type="regular")
    db.slot(1, "A2", id=2, slot_type="compact")
    db.slot(1, "A3", id=3, slot_type="ev", is_active=0, is_occupied=1)  # inactive slot
    db.slot(2, "B1", id=4, slot_type="regular")
    db.slot(2, "B2", id=5, slot_type="regular", created="2026-03-11 08:00:00")  # created after T
    db.slot(3, "C1", id=6, slot_type="regular")  # zone inactive
    db.slot(1, "A4", id=7, slot_type="handicapped", is_occupied=1)  # live flag lies
    db.slot(1, "A5", id=8, slot_type="motorcycle")
    db.slot(2, "B3", id=9, slot_type="regular")
    db.slot(2, "B4", id=10, slot_type="ev")

    db.vehicle("B-AA 100", owner=1, id=1, vehicle_type="car")
    db.vehicle("M-CC 300", owner=None, id=2, vehicle_type="motorcycle")
    db.vehicle("HH-DD 400", owner=2, id=3, vehicle_type="ev")
    db.vehicle("B-BB 200", owner=1, id=4, vehicle_type="van")
    db.vehicle("K-EE 500", owner=None, id=5, vehicle_type="car")  # only cancelled
    db.vehicle("D-FF 600", owner=2, id=6, vehicle_type="car")
    db.vehicle("b-GG 700", owner=None, id=7, vehicle_type="van")  # lower-case plate

    s = db.session
    # active at T
    s(1, 1, id=1, entry="2026-03-10 08:00:00")  # 09:00
    s(
        4,
        4,
        id=2,
        entry="2026-03-10 20:30:00",
        exit="2026-03-11 01:00:00",  # exits after T
        amount="9.00",
    )
    s(1, 2, id=3, entry="2026-03-10 22:15:00")  # 2nd open on A1
    s(2, 3, id=4, entry="2026-03-10 23:00:00")  # enters at T
    s(3, 7, id=5, entry="2026-03-10 08:00:00")  # inactive slot
    # completed in W(D)
    s(2, 1, id=6, entry="2026-03-09 23:30:00", exit="2026-03-10 02:00:00", amount="6.00")
    s(4, 2, id=7, entry="2026-03-10 12:00:00", exit="2026-03-10 17:00:00", amount=4.1)  # REAL
    s(9, 3, id=8, entry="2026-03-10 14:00:00", exit="2026-03-10 17:00:00", amount="9.00")
    s(6, 4, id=9, entry="2026-03-10 09:00:00", exit="2026-03-10 10:00:00", amount="1.50")
    s(
        10,
        6,
        id=10,
        entry="2026-03-10 21:00:00",
        exit="2026-03-10 23:00:00",  # exits at T
        amount="6.00",
    )
    # completed earlier
    s(1, 6, id=11, entry="2026-03-01 09:00:00", exit="2026-03-01 11:00:00", amount="4.00")
    s(7, 1, id=12, entry="2026-02-20 15:00:00", exit="2026-02-20 16:30:00", amount="3.00")
    s(
        8,
        2,
        id=13,
        entry="2026-02-08 22:30:00",
        exit="2026-02-08 23:30:00",  # before window
        amount="2.00",
    )
    s(8, 5, id=14, entry="2026-03-10 15:00:00", status="cancelled")  # cancelled
    s(10, 2, id=15, entry="2026-03-10 18:00:00", exit="2026-03-10 19:00:00", amount="3.00")
    s(4, 3, id=16, entry="2026-03-05 07:00:00", exit="2026-03-05 08:00:00", amount="3.00")  # unpaid

    p = db.payment
    p(13, "2.00", id=1, method="cash", transaction_id="TX-1", paid_at="2026-02-08 23:30:05")
    p(12, "3.00", id=2, method="online", transaction_id="TX-2", paid_at="2026-02-20 16:30:05")
    p(11, "4.00", id=3, method="cash", transaction_id="TX-3", paid_at="2026-03-01 11:00:05")
    p(6, "6.00", id=4, method="cash", transaction_id="TX-4", paid_at="2026-03-10 02:00:10")
    p(9, "1.50", id=5, method="cash", transaction_id="TX-5", paid_at="2026-03-10 10:00:00")
    p(
        7,
        4.1,
        id=6,
        method="online",
        transaction_id="TX-6",
        paid_at="2026-03-10 17:01:00",
        created="2026-03-10 17:00:20",
    )
    p(
        7,
        4.1,
        id=7,
        method="online",
        status="failed",
        transaction_id="TX-7",
        created="2026-03-10 17:00:00",
    )  # higher id, earlier created_at
    p(
        8,
        "9.00",
        id=8,
        method="online",
        status="refunded",
        transaction_id="TX-8",
        paid_at="2026-03-10 17:00:30",
    )
    p(
        15,
        "3.00",
        id=9,
        method="cash",
        status="failed",
        transaction_id="TX-9",
        created="2026-03-10 19:00:10",
    )
    p(
        2,
        "9.00",
        id=10,
        method="online",
        status="pending",
        transaction_id="TX-10",
        created="2026-03-10 22:50:00",
    )
    p(
        10, "6.00", id=11, method="cash", transaction_id="TX-11", paid_at="2026-03-10 23:00:00"
    )  # at T
    p(
        6,
        "6.00",
        id=12,
        method="online",
        status="pending",
        transaction_id="TX-12",
        created="2026-03-11 09:00:00",
    )  # created after T: does not exist
    p(
        15,
        "3.00",
        id=13,
        method="cash",
        status="completed",
        transaction_id="TX-13",
        created="2026-03-10 19:00:10",
        paid_at="2026-03-11 06:00:00",
    )  # paid after T: pending at T
    return db
