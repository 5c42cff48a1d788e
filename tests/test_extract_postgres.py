"""Extract from a real PostgreSQL source (the local server) into a real DuckDB warehouse.

The source is the hand-made SQLite source of test_extract.py copied into a fresh database by
tests/pg_source.py. Expected text is rendered here in Python from psycopg's values:
timestamptz in UTC as `YYYY-MM-DD HH:MM:SS[.ffffff]`, numeric as its text, booleans true/false.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from decimal import Decimal

import psycopg
import pytest
from pg_source import copy_sqlite_to_postgres, drop_database
from psycopg.types.datetime import TimestamptzLoader
from test_extract import (
    PAYMENTS,
    SECRETS,
    SESSIONS,
    assert_no_personal_data,
    by_table,
    make_source,
    raw_columns,
    raw_rows,
    raw_snapshot,
)

from extract import extract_to_raw
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.source_schema import SOURCE_TABLES

pytestmark = pytest.mark.postgres


def render(value):
    if isinstance(value, datetime):
        moment = value.astimezone(UTC)
        text = moment.strftime("%Y-%m-%d %H:%M:%S")
        return text + (f".{moment.microsecond:06d}" if moment.microsecond else "")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, Decimal)):
        return str(value)
    return value


class InfinityAsText(TimestamptzLoader):
    """psycopg cannot make a datetime of 'infinity': keep PostgreSQL's text."""

    def load(self, data):
        if bytes(data) in (b"infinity", b"-infinity"):
            return bytes(data).decode()
        return super().load(data)


def postgres_rows(url: str, table: str, columns: list[str]) -> list[tuple]:
    select = ", ".join(f'"{c}"' for c in columns)
    with psycopg.connect(url) as con:
        con.adapters.register_loader("timestamptz", InfinityAsText)
        rows = con.execute(f"select {select} from {table} order by id").fetchall()
    return [(row[0], *(render(v) for v in row[1:])) for row in rows]


def assert_raw_equals_postgres(url: str, warehouse) -> None:
    for table in SOURCE_TABLES:
        columns = raw_columns(warehouse, table)
        assert raw_rows(warehouse, table, columns) == postgres_rows(url, table, columns), table


@pytest.fixture
def pg(source_db, postgres_url):
    """(url, skipped rows) of a fresh PostgreSQL copy of the hand-made source."""
    make_source(source_db)
    name = f"parking_extract_test_{secrets.token_hex(4)}"
    url, skipped = copy_sqlite_to_postgres(source_db.path, postgres_url, name)
    yield url, skipped
    drop_database(postgres_url, name)


def execute(url: str, sql: str, params=()) -> None:
    with psycopg.connect(url) as con:
        con.execute(sql, params)


@pytest.fixture
def warehouse(tmp_path):
    return tmp_path / "warehouse.duckdb"


def test_first_load_from_postgres_equals_the_source_row_for_row(pg, warehouse):
    url, skipped = pg
    # what PostgreSQL cannot hold never got there (see tests/pg_source.py)
    assert skipped[SESSIONS] == [(5, "unparseable datetime 'not a date'")]
    assert skipped[PAYMENTS] == [(3, "decimal 1000000000 does not fit numeric(10,2)")]

    loads = by_table(extract_to_raw(url, warehouse))

    assert_raw_equals_postgres(url, warehouse)
    assert loads[SESSIONS].rows_inserted == 4 and loads[SESSIONS].mode == "full"
    assert raw_rows(warehouse, "backend_core_parkingzone", ["id", "hourly_rate", "is_active"]) == [
        (1, "4.10", "true"), (2, "2.50", "true"), (3, "3.00", "true")]
    assert raw_rows(warehouse, SESSIONS, ["id", "entry_time", "slot_id"])[1:4] == [
        (2, "2026-03-08 10:15:30.500000", "2"), (3, "2026-03-08 12:00:00", "1"),
        (4, "2026-03-08 13:00:00", "999")]           # the orphan is kept
    assert raw_rows(warehouse, "backend_core_vehicle", ["vehicle_number"])[2] == ("B-\ufffd(AB",)
    assert_no_personal_data(warehouse, SECRETS + ("alice", "boss"))


def test_timestamps_are_rendered_in_utc_whatever_the_server_time_zone(pg, warehouse):
    url, _ = pg
    dbname = url.rsplit("/", 1)[1]
    execute(url, f"alter database {dbname} set timezone = 'America/New_York'")
    execute(url, "update backend_core_parkingsession set exit_time = '2026-03-08 23:59:59.000001+00' "
                 "where id = 3")
    extract_to_raw(url, warehouse)
    assert raw_rows(warehouse, SESSIONS, ["id", "exit_time"])[2] == (3, "2026-03-08 23:59:59.000001")
    assert_raw_equals_postgres(url, warehouse)


def test_incremental_then_full_refresh_from_postgres(pg, warehouse):
    url, _ = pg
    extract_to_raw(url, warehouse)
    with psycopg.connect(url) as con:
        con.execute("update backend_core_parkingsession set exit_time = now(), amount = 4.5, "
                    "status = 'completed', updated_at = now() where id = 3")
        con.execute("update backend_core_payment set status = 'refunded', updated_at = now() where id = 1")
        con.execute("insert into backend_core_parkingsession (entry_time, status, created_at, updated_at, "
                    "slot_id, vehicle_id) values (now(), 'active', now(), now(), 1, 2)")
        con.execute("delete from backend_core_payment where id = 2")

    loads = by_table(extract_to_raw(url, warehouse))
    assert (loads[SESSIONS].mode, loads[SESSIONS].rows_inserted, loads[SESSIONS].rows_updated) == (
        "incremental", 1, 1)
    assert loads[PAYMENTS].rows_updated == 1 and loads[PAYMENTS].rows_deleted == 0
    for table in SOURCE_TABLES:
        if table != PAYMENTS:
            columns = raw_columns(warehouse, table)
            assert raw_rows(warehouse, table, columns) == postgres_rows(url, table, columns)

    before = raw_snapshot(warehouse)
    again = extract_to_raw(url, warehouse)                       # nothing changed since
    assert raw_snapshot(warehouse) == before
    assert all(l.rows_inserted == l.rows_updated == 0 for l in again)

    refresh = by_table(extract_to_raw(url, warehouse, full_refresh=True))
    assert refresh[PAYMENTS].rows_deleted == 1
    assert raw_rows(warehouse, PAYMENTS, ["id"], deleted=True) == [(2,)]
    assert_raw_equals_postgres(url, warehouse)


def test_infinite_updated_at_is_kept_as_text_and_reread(pg, warehouse):
    url, _ = pg
    execute(url, "update backend_core_payment set updated_at = 'infinity' where id = 2")
    extract_to_raw(url, warehouse)
    assert raw_rows(warehouse, PAYMENTS, ["id", "updated_at"])[1] == (2, "infinity")
    execute(url, "update backend_core_payment set status = 'failed' where id = 2")
    assert by_table(extract_to_raw(url, warehouse))[PAYMENTS].rows_updated == 1
    assert_raw_equals_postgres(url, warehouse)


def test_extra_postgres_column_is_carried_along(pg, warehouse):
    url, _ = pg
    execute(url, "alter table backend_core_parkingzone add column opens_at time default '07:30'")
    extract_to_raw(url, warehouse)
    assert raw_rows(warehouse, "backend_core_parkingzone", ["id", "opens_at"])[0] == (1, "07:30:00")


def test_missing_postgres_table_and_column_are_named(pg, warehouse):
    url, _ = pg
    execute(url, "alter table backend_core_parkingslot drop column slot_type")
    with pytest.raises(ParkingWarehouseError, match="table backend_core_parkingslot has no column 'slot_type'"):
        extract_to_raw(url, warehouse)
    execute(url, "alter table backend_core_parkingslot add column slot_type varchar(20) default 'ev'")
    execute(url, "drop table backend_core_payment")
    with pytest.raises(ParkingWarehouseError) as error:
        extract_to_raw(url, warehouse)
    assert "table backend_core_payment does not exist" in str(error.value)
    assert ":***@" in str(error.value) and ":parking@" not in str(error.value)


def test_wrong_postgres_password_is_not_printed(postgres_url, warehouse):
    url = postgres_url.replace("parking:parking@", "parking:Wr0ng-pw@")
    with pytest.raises(ParkingWarehouseError) as error:
        extract_to_raw(url.rsplit("/", 1)[0] + "/no_such_database_here", warehouse)
    assert "cannot connect" in str(error.value) and "Wr0ng-pw" not in str(error.value)


def test_generated_source_in_postgres_then_an_appended_day(tmp_path, postgres_url, warehouse):
    from datetime import date

    from parking_warehouse.generator import append_days, generate_database

    path = tmp_path / "generated.sqlite3"
    generate_database(path, days=1, end_date=date(2026, 3, 8), seed=11, dirty_rate=0.05,
                      timezone="Europe/Berlin")
    name = f"parking_extract_test_{secrets.token_hex(4)}"
    try:
        url, skipped = copy_sqlite_to_postgres(path, postgres_url, name)
        assert {t for t, rows in skipped.items() if rows} <= {SESSIONS, PAYMENTS}  # bad datetimes, amounts
        first = by_table(extract_to_raw(url, warehouse))
        assert_raw_equals_postgres(url, warehouse)

        append_days(path, days=1, seed=11, dirty_rate=0.05, timezone="Europe/Berlin")
        url, _ = copy_sqlite_to_postgres(path, postgres_url, name)     # the live system, a day later
        second = by_table(extract_to_raw(url, warehouse))
        assert_raw_equals_postgres(url, warehouse)
        assert second[SESSIONS].mode == "incremental"
        assert 0 < second[SESSIONS].rows_read < first[SESSIONS].rows_read + second[SESSIONS].rows_inserted
        assert second[SESSIONS].rows_inserted > 0 and second[PAYMENTS].rows_updated > 0
    finally:
        drop_database(postgres_url, name)
