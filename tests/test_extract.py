"""Extract from a real SQLite source into a real DuckDB warehouse: the raw-layer contract.

The comparison is always as text, computed here without SQLite's CAST: TEXT as stored (invalid
UTF-8 replaced by U+FFFD), INTEGER as digits, REAL as any text that reads back as the same
float in no more digits than the shortest round-trip form (4.1). The helpers at the top are
reused by test_extract_postgres.py.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from extract import TableLoad, extract_to_raw, format_load_report
from parking_warehouse import REPO_ROOT
from parking_warehouse.cli import main
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.source_schema import PERSONAL_COLUMNS, SOURCE_TABLES

METADATA = ("_loaded_at", "_run_id", "_deleted_at")
SESSIONS = "backend_core_parkingsession"
PAYMENTS = "backend_core_payment"
SECRETS = ("pbkdf2_sha256$secret", "someone@example.com", "+49 30 123456", "First", "Last")



class RealText:
    """Expected text of a SQLite REAL: text that reads back as the same float, in the shortest
    form when 15 significant digits suffice (4.1, not 4.0999999999999996), else in at most 17
    (SQLite's rule: %.15g when it round-trips, else %.17g)."""

    def __init__(self, value: float):
        self.value = value

    def __eq__(self, other) -> bool:
        if not isinstance(other, str):
            return NotImplemented
        try:
            same = float(other) == self.value
        except ValueError:
            return False
        shortest = _significant_digits(repr(self.value))
        return same and _significant_digits(other) <= (shortest if shortest <= 15 else 17)

    def __repr__(self) -> str:
        return f"RealText({self.value!r})"


def _significant_digits(text: str) -> int:
    mantissa = text.lower().split("e")[0].lstrip("+-").replace(".", "")
    return len(mantissa.strip("0")) or 1


def _expected_text(value):
    """What CAST(value AS TEXT) must give, computed without SQLite's own conversion."""
    if value is None:
        return None
    if isinstance(value, bytes):                 # TEXT (or BLOB) as stored, bad UTF-8 replaced
        return value.decode("utf-8", "replace")
    if isinstance(value, float):
        return RealText(value)
    return str(value)


def sqlite_rows(path: Path, table: str, columns: list[str]) -> list[tuple]:
    con = sqlite3.connect(path)
    con.text_factory = bytes
    try:
        select = ", ".join(f'"{c}"' for c in columns)
        rows = con.execute(f"select {select} from {table} order by id").fetchall()
    finally:
        con.close()
    return [(row[0], *(_expected_text(v) for v in row[1:])) for row in rows]


def raw_columns(warehouse: Path, table: str) -> list[str]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        rows = con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = ? order by ordinal_position", [table]).fetchall()
    return [r[0] for r in rows if r[0] not in METADATA]


def raw_rows(warehouse: Path, table: str, columns: list[str] | None = None, *,
             deleted: bool = False) -> list[tuple]:
    """Live rows (or, with deleted=True, the rows marked deleted) ordered by id."""
    columns = columns or raw_columns(warehouse, table)
    select = ", ".join(f'"{c}"' for c in columns)
    condition = "is not null" if deleted else "is null"
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return con.execute(
            f'select {select} from raw."{table}" where _deleted_at {condition} order by id').fetchall()


def raw_snapshot(warehouse: Path) -> dict[str, list[tuple]]:
    """Every raw row with its metadata, per table: to prove that a run changed nothing."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        return {
            table: con.execute(f'select * from raw."{table}" order by id').fetchall()
            for table in SOURCE_TABLES
            if con.execute("select count(*) from information_schema.tables where table_schema = 'raw' "
                           "and table_name = ?", [table]).fetchall()[0][0]
        }


def history(warehouse: Path, run_id: str | None = None) -> list[dict]:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        sql = "select * from raw._load_history"
        params = []
        if run_id:
            sql += " where run_id = ?"
            params = [run_id]
        cursor = con.execute(sql + " order by finished_at", params)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]


def assert_raw_equals_sqlite(path: Path, warehouse: Path) -> None:
    for table in SOURCE_TABLES:
        columns = raw_columns(warehouse, table)
        assert raw_rows(warehouse, table, columns) == sqlite_rows(path, table, columns), table


def assert_no_personal_data(warehouse: Path, secrets: tuple[str, ...] = ()) -> None:
    """No personal column in any table of any schema, and no personal value in any text column."""
    personal = {c for columns in PERSONAL_COLUMNS.values() for c in columns}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name, data_type from information_schema.columns"
        ).fetchall()
        found = [(s, t, c) for s, t, c, _ in columns if c in personal]
        assert found == [], found
        for schema, table, column, data_type in columns:
            if data_type != "VARCHAR":
                continue
            for secret in secrets:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" where contains("{column}", ?)',
                    [secret]).fetchall()[0][0]
                assert hits == 0, (schema, table, column, secret)


def by_table(loads: list[TableLoad]) -> dict[str, TableLoad]:
    return {load.table_name: load for load in loads}


def utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------- a small source


def make_source(db):
    """Two of everything, and one of each kind of dirt the contract promises."""
    admin = db.user("admin", username="boss", created="2026-01-02 08:00:00")
    customer = db.user("user", username="alice", created="2026-01-03 09:30:00.250000")
    center = db.zone("Center", 4.1)                               # REAL: raw text '4.1'
    db.zone("Harbour", "2.50", created="2026-01-05 00:00:00")     # NUMERIC affinity: REAL 2.5
    db.zone("Airport", 3)                                         # INTEGER: '3'
    a1 = db.slot(center, "A1")
    a2 = db.slot(center, "A2", slot_type="ev")
    car = db.vehicle("B-AB 123", owner=customer)
    van = db.vehicle("  b-xy 9 ", owner=None, vehicle_type="van")          # odd spacing
    s1 = db.session(a1, car, entry="2026-03-08 09:00:00", exit="2026-03-08 11:00:00", amount=5.0)
    s2 = db.session(a2, van, entry="2026-03-08 10:15:30.500000", exit="2026-03-08 10:45:00", amount="2.50")
    db.session(a1, van, entry="2026-03-08 12:00:00")                         # still parked
    db.session(999, car, entry="2026-03-08 13:00:00", exit="2026-03-08 12:00:00", amount="-3")  # orphan, exit<entry
    db.session(a2, car, entry="not a date", amount="abc", status="parked", updated="2026-03-08 14:00:00")
    db.payment(s1, 5.0, method="cash", paid_at="2026-03-08 11:00:05", transaction_id="TX-1")
    db.payment(s2, "2.50", method="online", paid_at="2026-03-08 10:45:10", transaction_id="TX-1 ")
    db.payment(s2, 1e9, method="Cash", status="completed", created="2026-03-08 10:46:00",
               updated="garbage")                                            # unparseable updated_at
    # text that is not valid UTF-8, as a hand edit can leave it
    db.execute("insert into backend_core_vehicle (vehicle_number, vehicle_type, created_at, updated_at,"
               " owner_id) values (cast(x'422dc3284142' as text), 'car', '2026-01-01 00:00:00',"
               " '2026-01-01 00:00:00', ?)", (admin,))
    return db.commit()


@pytest.fixture
def source(source_db):
    return make_source(source_db)


@pytest.fixture
def warehouse(tmp_path) -> Path:
    return tmp_path / "warehouse.duckdb"


# --------------------------------------------------------------------------- first load


def test_first_load_copies_every_source_row_as_text(source, warehouse):
    loads = by_table(extract_to_raw(str(source.path), warehouse, run_id="first"))

    assert_raw_equals_sqlite(source.path, warehouse)
    assert {t: (l.mode, l.rows_read, l.rows_inserted, l.rows_updated, l.rows_deleted)
            for t, l in loads.items()} == {
        "users_customuser": ("full", 2, 2, 0, 0),
        "backend_core_parkingzone": ("full", 3, 3, 0, 0),
        "backend_core_parkingslot": ("full", 2, 2, 0, 0),
        "backend_core_vehicle": ("full", 3, 3, 0, 0),
        SESSIONS: ("full", 5, 5, 0, 0),
        PAYMENTS: ("full", 3, 3, 0, 0),
    }
    rates = raw_rows(warehouse, "backend_core_parkingzone", ["id", "hourly_rate"])
    assert rates == [(1, "4.1"), (2, "2.5"), (3, "3")]
    plates = [p for (p,) in raw_rows(warehouse, "backend_core_vehicle", ["vehicle_number"])]
    assert plates == ["B-AB 123", "  b-xy 9 ", "B-\ufffd(AB"]
    dirty = raw_rows(warehouse, SESSIONS, ["id", "entry_time", "amount", "status"])[-1]
    assert dirty == (5, "not a date", "abc", "parked")
    assert raw_rows(warehouse, PAYMENTS, ["id", "amount", "updated_at"])[-1] == (3, "1000000000", "garbage")


def test_raw_tables_follow_the_layer_contract(source, warehouse):
    extract_to_raw(str(source.path), warehouse, run_id="first")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        types = dict(con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = ?", [SESSIONS]).fetchall())
        users = [c for (c,) in con.execute(
            "select column_name from information_schema.columns where table_schema = 'raw' "
            "and table_name = 'users_customuser' order by ordinal_position").fetchall()]
        history_types = dict(con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = '_load_history'").fetchall())
        loaded = con.execute(f'select distinct _run_id, _deleted_at from raw."{SESSIONS}"').fetchall()
    assert types == {
        "id": "BIGINT", "entry_time": "VARCHAR", "exit_time": "VARCHAR", "status": "VARCHAR",
        "amount": "VARCHAR", "created_at": "VARCHAR", "updated_at": "VARCHAR", "slot_id": "VARCHAR",
        "vehicle_id": "VARCHAR", "_loaded_at": "TIMESTAMP WITH TIME ZONE", "_run_id": "VARCHAR",
        "_deleted_at": "TIMESTAMP WITH TIME ZONE",
    }
    assert users == ["id", "last_login", "is_superuser", "is_staff", "is_active", "date_joined", "role",
                     "updated_at", "_loaded_at", "_run_id", "_deleted_at"]
    assert loaded == [("first", None)]
    assert set(history_types) == {
        "run_id", "table_name", "mode", "window_from", "window_to", "rows_read", "rows_inserted",
        "rows_updated", "rows_deleted", "started_at", "finished_at", "duration_seconds",
        "reread_ids"}    # beyond the contract: ids whose updated_at is not a datetime
    rows = history(warehouse, "first")
    assert [r["table_name"] for r in rows] == list(SOURCE_TABLES)
    sessions = rows[SOURCE_TABLES.index(SESSIONS)]
    assert sessions["mode"] == "full" and sessions["window_from"] is None
    assert sessions["window_to"] == datetime(2026, 3, 8, 14, 0, tzinfo=UTC)
    assert sessions["rows_read"] == 5 and sessions["duration_seconds"] >= 0
    assert sessions["reread_ids"] == [] and rows[-1]["reread_ids"] == [3]   # payment 3: 'garbage'


def test_no_personal_column_or_value_anywhere_in_the_warehouse(source, warehouse):
    extract_to_raw(str(source.path), warehouse)
    source.user("staff", username="bob", updated=utc_text(datetime.now(UTC)))
    source.commit()
    extract_to_raw(str(source.path), warehouse)        # incremental, through the stage
    extract_to_raw(str(source.path), warehouse, full_refresh=True)
    assert_no_personal_data(warehouse, SECRETS + ("alice", "boss", "bob"))


# --------------------------------------------------------------------------- incremental


def test_incremental_load_picks_up_new_and_changed_rows(source, warehouse):
    extract_to_raw(str(source.path), warehouse, run_id="first")
    now = utc_text(datetime.now(UTC))
    source.execute("update backend_core_parkingsession set exit_time = '2026-0308 15:00:00', "
                   "status = 'completed', amount = 7.5, updated_at = ? where id = 3", (now,))
    source.execute("update backend_core_payment set status = 'refunded', updated_at = ? where id = 1", (now,))
    new = source.session(2, 1, entry="2026-03-09 08:00:00", updated=now)
    source.payment(new, "1.00", status="pending", created=now)
    source.commit()

    loads = by_table(extract_to_raw(str(source.path), warehouse, run_id="second"))

    assert_raw_equals_sqlite(source.path, warehouse)
    session, payment = loads[SESSIONS], loads[PAYMENTS]
    assert (session.mode, session.rows_inserted, session.rows_updated) == ("incremental", 1, 1)
    assert (payment.mode, payment.rows_inserted, payment.rows_updated) == ("incremental", 1, 1)
    # the window starts a look-back before the previous high-water mark
    assert session.window_from == datetime(2026, 3, 8, 14, 0, tzinfo=UTC) - timedelta(minutes=5)
    # the row at the high-water mark is read again (>=), and counts as neither
    zone = loads["backend_core_parkingzone"]
    assert (zone.rows_read, zone.rows_inserted, zone.rows_updated) == (1, 0, 0)
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = dict(con.execute(f'select id, _run_id from raw."{SESSIONS}"').fetchall())
    assert runs == {1: "first", 2: "first", 3: "second", 4: "first", 5: "first", 6: "second"}


def test_running_the_same_extraction_twice_changes_nothing(source, warehouse):
    extract_to_raw(str(source.path), warehouse)
    before = raw_snapshot(warehouse)
    again = extract_to_raw(str(source.path), warehouse)
    assert raw_snapshot(warehouse) == before
    assert all(l.rows_inserted == l.rows_updated == l.rows_deleted == 0 for l in again)
    refreshed = extract_to_raw(str(source.path), warehouse, full_refresh=True)
    assert raw_snapshot(warehouse) == before
    assert all(l.mode == "full" and l.rows_inserted == l.rows_updated == l.rows_deleted == 0
               for l in refreshed)


def test_rows_whose_updated_at_is_not_a_datetime_are_reread_every_time(source, warehouse):
    extract_to_raw(str(source.path), warehouse)
    source.execute("update backend_core_payment set status = 'failed' where id = 3")  # still 'garbage'
    source.commit()
    payment = by_table(extract_to_raw(str(source.path), warehouse))[PAYMENTS]
    assert (payment.rows_read, payment.rows_updated) == (2, 1)   # + the one at the high-water mark
    assert raw_rows(warehouse, PAYMENTS, ["id", "status"])[-1] == (3, "failed")


def test_backdated_insert_is_picked_up_by_its_new_id(source, warehouse):
    extract_to_raw(str(source.path), warehouse)
    source.session(1, 1, entry="2025-12-01 09:00:00", exit="2025-12-01 10:00:00", amount="2.00")
    source.commit()
    session = by_table(extract_to_raw(str(source.path), warehouse))[SESSIONS]
    assert (session.rows_read, session.rows_inserted) == (2, 1)   # + the one at the high-water mark
    assert_raw_equals_sqlite(source.path, warehouse)


def test_late_commit_inside_the_lookback_window_is_picked_up(source, warehouse):
    extract_to_raw(str(source.path), warehouse)     # high-water mark: 2026-03-08 14:00:00
    source.execute("update backend_core_parkingsession set status = 'cancelled', "
                   "updated_at = '2026-03-08 13:58:00' where id = 1")
    source.commit()
    assert by_table(extract_to_raw(str(source.path), warehouse, lookback_minutes=0))[SESSIONS].rows_updated == 0
    assert by_table(extract_to_raw(str(source.path), warehouse, lookback_minutes=3))[SESSIONS].rows_updated == 1
    assert_raw_equals_sqlite(source.path, warehouse)


def test_lookback_comes_from_the_environment_and_is_checked(source, warehouse, monkeypatch):
    extract_to_raw(str(source.path), warehouse)
    monkeypatch.setenv("PARKING_EXTRACT_LOOKBACK_MINUTES", "60")
    session = by_table(extract_to_raw(str(source.path), warehouse))[SESSIONS]
    assert session.window_from == datetime(2026, 3, 8, 13, 0, tzinfo=UTC)
    monkeypatch.setenv("PARKING_EXTRACT_LOOKBACK_MINUTES", "a while")
    with pytest.raises(ParkingWarehouseError, match="PARKING_EXTRACT_LOOKBACK_MINUTES"):
        extract_to_raw(str(source.path), warehouse)
    with pytest.raises(ParkingWarehouseError, match="negative"):
        extract_to_raw(str(source.path), warehouse, lookback_minutes=-1)


def test_raw_text_compression_is_chosen_by_environment(source, warehouse, monkeypatch):
    monkeypatch.setenv("PARKING_EXTRACT_COMPRESSION", "uncompressed")
    extract_to_raw(str(source.path), warehouse)
    assert_raw_equals_sqlite(source.path, warehouse)
    monkeypatch.setenv("PARKING_EXTRACT_COMPRESSION", "gzip")
    with pytest.raises(ParkingWarehouseError, match="PARKING_EXTRACT_COMPRESSION='gzip'"):
        extract_to_raw(str(source.path), warehouse)


# --------------------------------------------------------------------------- full refresh


def test_full_refresh_marks_deleted_rows_and_unmarks_them_when_they_return(source, warehouse):
    extract_to_raw(str(source.path), warehouse)
    row = source.execute(f"select * from {PAYMENTS} where id = 2").fetchone()
    source.execute(f"delete from {PAYMENTS} where id = 2")
    source.commit()

    assert by_table(extract_to_raw(str(source.path), warehouse))[PAYMENTS].rows_deleted == 0
    assert [r[0] for r in raw_rows(warehouse, PAYMENTS, ["id"])] == [1, 2, 3]   # incremental cannot see it

    payment = by_table(extract_to_raw(str(source.path), warehouse, full_refresh=True, run_id="refresh"))[PAYMENTS]
    assert (payment.mode, payment.rows_read, payment.rows_deleted) == ("full", 2, 1)
    assert [r[0] for r in raw_rows(warehouse, PAYMENTS, ["id"], deleted=True)] == [2]
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute(f'select _run_id from raw."{PAYMENTS}" where id = 2').fetchall() == [("refresh",)]
    assert_raw_equals_sqlite(source.path, warehouse)
    again = by_table(extract_to_raw(str(source.path), warehouse, full_refresh=True))[PAYMENTS]
    assert again.rows_deleted == 0                                     # marked once, kept

    source.execute(f"insert into {PAYMENTS} values ({', '.join('?' * len(row))})", row)
    source.commit()
    back = by_table(extract_to_raw(str(source.path), warehouse, full_refresh=True))[PAYMENTS]
    assert (back.rows_inserted, back.rows_updated, back.rows_deleted) == (0, 1, 0)
    assert raw_rows(warehouse, PAYMENTS, ["id"], deleted=True) == []
    assert_raw_equals_sqlite(source.path, warehouse)


def test_extra_source_column_is_carried_along(source, warehouse):
    source.execute(f"alter table {SESSIONS} add column licence_scan text")
    source.execute(f"update {SESSIONS} set licence_scan = 'scan-' || id where id <= 2")
    source.commit()
    extract_to_raw(str(source.path), warehouse)
    assert raw_columns(warehouse, SESSIONS)[-1] == "licence_scan"
    assert_raw_equals_sqlite(source.path, warehouse)

    source.execute(f"alter table {PAYMENTS} add column terminal integer")   # added later
    source.execute(f"update {PAYMENTS} set terminal = 7, updated_at = ? where id = 1",
                   (utc_text(datetime.now(UTC)),))
    source.commit()
    payment = by_table(extract_to_raw(str(source.path), warehouse))[PAYMENTS]
    assert payment.rows_updated == 1
    assert raw_rows(warehouse, PAYMENTS, ["id", "terminal"]) == [(1, "7"), (2, None), (3, None)]


# --------------------------------------------------------------------------- bad input


def test_missing_source_file_is_named(tmp_path, warehouse):
    missing = tmp_path / "nowhere.sqlite3"
    with pytest.raises(ParkingWarehouseError, match=f"source {missing}: no such SQLite file"):
        extract_to_raw(str(missing), warehouse)
    assert not missing.exists() and not warehouse.exists()


def test_file_that_is_not_sqlite_is_named(tmp_path, warehouse):
    bogus = tmp_path / "notes.txt"
    bogus.write_text("this is not a database, but it is long enough to have a header page " * 20)
    with pytest.raises(ParkingWarehouseError, match="cannot read it as a SQLite database"):
        extract_to_raw(str(bogus), warehouse)


def test_missing_table_is_named_and_nothing_is_loaded(source, warehouse):
    source.execute(f"drop table {PAYMENTS}")
    source.commit()
    with pytest.raises(ParkingWarehouseError, match=f"source {source.path}: table {PAYMENTS} does not exist"):
        extract_to_raw(str(source.path), warehouse)
    assert not warehouse.exists()   # every table is checked before anything is written


def test_missing_required_column_is_named(source, warehouse):
    source.execute(f"alter table {SESSIONS} drop column amount")
    source.commit()
    with pytest.raises(ParkingWarehouseError) as error:
        extract_to_raw(str(source.path), warehouse)
    assert f"source {source.path}: table {SESSIONS} has no column 'amount'" in str(error.value)


def test_missing_personal_column_is_not_required(source, warehouse):
    source.execute("alter table users_customuser drop column phone_number")
    source.commit()
    extract_to_raw(str(source.path), warehouse)
    assert_raw_equals_sqlite(source.path, warehouse)


def test_unreachable_postgres_is_named_without_its_password(warehouse):
    url = "postgresql://parking:s3cret-pw@127.0.0.1:1/parking"
    with pytest.raises(ParkingWarehouseError) as error:
        extract_to_raw(url, warehouse)
    message = str(error.value)
    assert "source postgresql://parking:***@127.0.0.1:1/parking: cannot connect" in message
    assert "s3cret-pw" not in message


def test_cli_prints_one_line_per_table_and_errors_on_one_line(source, warehouse, capsys, tmp_path):
    assert main(["extract", "--source", str(source.path), "--warehouse", str(warehouse)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == list(SOURCE_TABLES)
    assert lines[SOURCE_TABLES.index(SESSIONS)].split()[1:4] == ["full", "read", "5"]
    assert main(["extract", "--source", str(tmp_path / "missing.db"), "--warehouse", str(warehouse)]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no such SQLite file" in err


def test_format_load_report_has_one_line_per_table(source, warehouse):
    report = format_load_report(extract_to_raw(str(source.path), warehouse))
    assert len(report.splitlines()) == len(SOURCE_TABLES)
    assert "inserted" in report and "updated" in report and "deleted" in report


# --------------------------------------------------------------------------- crashes


def grow_sessions(db, count: int, *, updated: str) -> None:
    db.execute(
        f"with recursive n(i) as (select 1 union all select i + 1 from n where i < {count}) "
        f"insert into {SESSIONS} (entry_time, exit_time, status, amount, created_at, updated_at, slot_id, vehicle_id) "
        "select datetime('2026-02-01', '+' || i || ' minutes'), null, 'active', null, "
        f"datetime('2026-02-01', '+' || i || ' minutes'), '{updated}', 1, 1 from n")
    db.commit()


def start_extract(source_path: Path, warehouse: Path, *extra: str) -> subprocess.Popen:
    env = dict(os.environ, PARKING_EXTRACT_TEST_BATCH_PAUSE="0.02")
    return subprocess.Popen(
        [sys.executable, "-m", "parking_warehouse.cli", "extract", "--source", str(source_path),
         "--warehouse", str(warehouse), *extra],
        cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def kill_midway(process: subprocess.Popen, table: str, batch: int) -> None:
    """SIGKILL once the load of `table` has handed `batch` batches to DuckDB."""
    for line in process.stderr:
        if line.startswith(f"extract-test: {table} batch {batch}"):
            process.send_signal(signal.SIGKILL)
            process.wait()
            return
    process.wait()
    pytest.fail(f"the load ended before {table} batch {batch}: rc={process.returncode}")


@pytest.mark.slow
def test_load_killed_midway_leaves_raw_as_before_and_next_run_completes(source, warehouse):
    grow_sessions(source, 6000, updated="2026-02-10 00:00:00")
    extract_to_raw(str(source.path), warehouse)
    before = raw_snapshot(warehouse)
    source.execute(f"update {SESSIONS} set status = 'cancelled', updated_at = ?",
                   (utc_text(datetime.now(UTC)),))
    source.commit()

    kill_midway(start_extract(source.path, warehouse, "--full-refresh"), SESSIONS, batch=4)

    after_kill = raw_snapshot(warehouse)
    assert after_kill[SESSIONS] == before[SESSIONS]       # none of the 4 batches is visible
    assert after_kill == before                           # earlier tables had nothing to change
    assert [r["mode"] for r in history(warehouse)].count("full") == 6 + 4  # 6 first, 4 refreshed before the kill
    loads = by_table(extract_to_raw(str(source.path), warehouse))
    assert loads[SESSIONS].rows_updated == 6005
    assert_raw_equals_sqlite(source.path, warehouse)


@pytest.mark.slow
def test_first_load_killed_midway_leaves_no_partial_table(source, warehouse):
    grow_sessions(source, 6000, updated="2026-02-10 00:00:00")
    kill_midway(start_extract(source.path, warehouse), SESSIONS, batch=4)

    with duckdb.connect(str(warehouse), read_only=True) as con:
        tables = {t for (t,) in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'").fetchall()}
    assert SESSIONS not in tables and PAYMENTS not in tables
    assert {r["table_name"] for r in history(warehouse)} == set(SOURCE_TABLES[:4])
    loads = by_table(extract_to_raw(str(source.path), warehouse))
    assert loads[SESSIONS].mode == "full" and loads[SESSIONS].rows_inserted == 6005
    assert loads["users_customuser"].mode == "incremental"
    assert_raw_equals_sqlite(source.path, warehouse)


# --------------------------------------------------------------------------- generated source


def dirty_rows(path: Path) -> dict[str, set[int]]:
    con = sqlite3.connect(path)
    try:
        rows = con.execute("select table_name, row_id from generator_dirty_rows").fetchall()
    finally:
        con.close()
    planted: dict[str, set[int]] = {}
    for table, row_id in rows:
        planted.setdefault(table, set()).add(row_id)
    return planted


def test_generated_source_first_load_then_appended_day_then_full_refresh(tmp_path, warehouse):
    from datetime import date

    from parking_warehouse.generator import append_days, generate_database

    path = tmp_path / "generated.sqlite3"
    generate_database(path, days=2, end_date=date(2026, 3, 8), seed=7, dirty_rate=0.05,
                      timezone="Europe/Berlin")
    first = by_table(extract_to_raw(str(path), warehouse))
    assert_raw_equals_sqlite(path, warehouse)
    planted = dirty_rows(path)
    assert planted, "the generator planted no dirty rows"
    for table, ids in planted.items():     # every dirty row is in raw, untouched
        assert ids <= {i for (i,) in raw_rows(warehouse, table, ["id"])}, table

    append_days(path, days=1, seed=7, dirty_rate=0.05, timezone="Europe/Berlin")
    second = by_table(extract_to_raw(str(path), warehouse))
    assert_raw_equals_sqlite(path, warehouse)
    sessions = second[SESSIONS]
    assert sessions.mode == "incremental"
    assert sessions.rows_inserted > 0 and sessions.rows_updated > 0   # new, and closed since
    assert sessions.rows_read < first[SESSIONS].rows_read             # only what changed
    assert second[PAYMENTS].rows_updated > 0                          # completed, refunded
    for table, ids in dirty_rows(path).items():
        assert ids <= {i for (i,) in raw_rows(warehouse, table, ["id"])}, table

    before = raw_snapshot(warehouse)
    extract_to_raw(str(path), warehouse)
    assert raw_snapshot(warehouse) == before

    con = sqlite3.connect(path)
    con.execute(f"delete from {PAYMENTS} where id in (select id from {PAYMENTS} order by id limit 3)")
    con.commit()
    con.close()
    refresh = by_table(extract_to_raw(str(path), warehouse, full_refresh=True))
    assert refresh[PAYMENTS].rows_deleted == 3
    assert sum(l.rows_inserted + l.rows_updated for l in refresh.values()) == 0
    assert_raw_equals_sqlite(path, warehouse)
