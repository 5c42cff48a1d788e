"""The extract while the parking system keeps writing (parking_warehouse/generator/live_writer.py).

A writer process inserts and updates sessions, slots and payments in short transactions while
extractions run one after the other (slowed by the test hook so that many writes land during
each). Every extraction must succeed and see one consistent snapshot (a writer's transaction
wholly or not at all); once the writer stops, one more extraction makes raw equal the source
row for row: no row written meanwhile is lost.
"""

from __future__ import annotations

import contextlib
import json
import secrets
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
from pg_source import copy_sqlite_to_postgres, drop_database
from pipeline_support import generate_source
from test_extract import assert_raw_equals_sqlite
from test_extract_postgres import assert_raw_equals_postgres

from extract import extract_to_raw, sqlite_reader
from parking_warehouse.errors import ParkingWarehouseError

LIVE_EXTRACTS = 3


def start_writer(source: str, folder: Path) -> tuple[subprocess.Popen, Path, Path]:
    stop, stats = folder / "writer.stop", folder / "writer.json"
    process = subprocess.Popen(
        [sys.executable, "-m", "parking_warehouse.generator.live_writer", source,
         "--stop", str(stop), "--stats", str(stats), "--pause", "0.001"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, stop, stats


def stop_writer(process: subprocess.Popen, stop: Path, stats: Path) -> dict:
    stop.touch()
    _, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    return json.loads(stats.read_text())


def live_rows(count_sql) -> int:
    """Rows the writer has made so far (its payments carry transaction ids `live-...`)."""
    return count_sql("select count(*) from backend_core_payment where transaction_id like 'live-%'")


def wait_for_writes(count_sql, at_least: int, writer: subprocess.Popen) -> None:
    while live_rows(count_sql) < at_least:
        if writer.poll() is not None:
            pytest.fail(f"the live writer stopped: {writer.stderr.read()}")
        time.sleep(0.05)


def assert_consistent_snapshot(warehouse: Path) -> None:
    """What one snapshot implies: the writer completes a session, frees its slot and adds its
    payment in one transaction, so raw never holds a payment whose session is still active,
    nor a session whose slot or vehicle it lacks."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        torn = con.execute("""
            select count(*) from raw.backend_core_payment p
            left join raw.backend_core_parkingsession s on s.id = p.session_id::bigint
            where p.transaction_id like 'live-%' and (s.id is null or s.status <> 'completed')
        """).fetchone()[0]
        orphans = con.execute("""
            select count(*) from raw.backend_core_parkingsession s
            left join raw.backend_core_parkingslot sl on sl.id = s.slot_id::bigint
            left join raw.backend_core_vehicle v on v.id = s.vehicle_id::bigint
            where sl.id is null or v.id is null
        """).fetchone()[0]
    assert (torn, orphans) == (0, 0)


def extract_while_writing(source: str, warehouse: Path, folder: Path, count_sql, monkeypatch) -> dict:
    """LIVE_EXTRACTS extractions with the writer running, then one after it stopped."""
    process, stop, stats = start_writer(source, folder)
    try:
        monkeypatch.setenv("PARKING_EXTRACT_TEST_BATCH_PAUSE", "0.1")
        for number in range(LIVE_EXTRACTS):
            before = live_rows(count_sql)
            wait_for_writes(count_sql, before + 1, process)
            extract_to_raw(source, warehouse)
            assert live_rows(count_sql) > before, "the writer wrote nothing during the extract"
            assert_consistent_snapshot(warehouse)
            print(f"live extract {number + 1}: writer payments {live_rows(count_sql)}")
    finally:
        counts = stop_writer(process, stop, stats)
    monkeypatch.delenv("PARKING_EXTRACT_TEST_BATCH_PAUSE")
    extract_to_raw(source, warehouse)
    print(f"live writer: {counts}")
    assert counts["transactions"] > 0 and counts["exit"] > 0 and counts["settle"] > 0, counts
    return counts


def test_sqlite_writer_during_extracts_loses_no_row(tmp_path, monkeypatch):
    source = generate_source(tmp_path / "source.sqlite3")
    warehouse = tmp_path / "warehouse.duckdb"
    extract_to_raw(str(source), warehouse)  # the first load; the live ones are incremental

    def count_sql(sql: str) -> int:
        # Closed here, never by the garbage collector during an extract: this process's
        # sqlite3 is another copy of SQLite than the extract's, and closing its connection
        # drops the extract's POSIX locks on the file (docs/extract.md, "Concurrency").
        with contextlib.closing(sqlite3.connect(source, timeout=30)) as con:
            return con.execute(sql).fetchone()[0]

    extract_while_writing(str(source), warehouse, tmp_path, count_sql, monkeypatch)
    assert_raw_equals_sqlite(source, warehouse)


@pytest.mark.postgres
def test_postgres_writer_during_extracts_loses_no_row(tmp_path, monkeypatch, postgres_url):
    import psycopg

    sqlite_source = generate_source(tmp_path / "source.sqlite3")
    name = f"parking_live_{secrets.token_hex(4)}"
    url, skipped = copy_sqlite_to_postgres(sqlite_source, postgres_url, name)
    assert not any(skipped.values())
    try:
        with psycopg.connect(url, autocommit=True) as con:  # the copy keeps ids: move the sequences on
            for table in ("backend_core_parkingsession", "backend_core_payment"):
                con.execute(f"select setval(pg_get_serial_sequence('{table}', 'id'), "
                            f"(select max(id) from {table}))")
        warehouse = tmp_path / "warehouse.duckdb"
        extract_to_raw(url, warehouse)

        def count_sql(sql: str) -> int:
            with psycopg.connect(url) as con:
                return con.execute(sql).fetchone()[0]

        extract_while_writing(url, warehouse, tmp_path, count_sql, monkeypatch)
        assert_raw_equals_postgres(url, warehouse)
    finally:
        drop_database(postgres_url, name)


HOLD_EXCLUSIVE = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("begin exclusive")
print("held", flush=True)
sys.stdin.read()
con.execute("rollback")
"""


def test_busy_sqlite_source_fails_with_a_clear_error_naming_source_and_table(tmp_path, monkeypatch):
    """A rollback-journal source whose writer holds its lock longer than the busy timeout: the
    extract waits that long, then names the source and what it was reading; raw is untouched."""
    source = generate_source(tmp_path / "source.sqlite3")
    warehouse = tmp_path / "warehouse.duckdb"
    extract_to_raw(str(source), warehouse)
    monkeypatch.setattr(sqlite_reader, "BUSY_TIMEOUT_MS", 300)
    # another process (POSIX locks do not conflict within one process) in a long transaction
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_EXCLUSIVE, str(source)], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(ParkingWarehouseError) as caught:
            extract_to_raw(str(source), warehouse)
    finally:
        holder.communicate("", timeout=30)
    message = str(caught.value)
    assert str(source) in message and "locked" in message
    assert "more than 0.3 s" in message
    extract_to_raw(str(source), warehouse)
    assert_raw_equals_sqlite(source, warehouse)
