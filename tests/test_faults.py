"""Faults from outside: the PostgreSQL connection killed mid-extract, the source replaced by an
unrelated database, the source damaged on disk. Each must give a clear error, leave nothing
half-loaded, and let the next run succeed once the fault is gone. (Kills of our own process:
tests/test_soak.py.)"""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import duckdb
import psycopg
import pytest
from pg_source import copy_sqlite_to_postgres, drop_database
from pipeline_support import generate_source
from test_extract import raw_snapshot
from test_extract_postgres import assert_raw_equals_postgres

from extract import extract_to_raw
from parking_warehouse import REPO_ROOT, publish
from parking_warehouse.errors import ParkingWarehouseError

SESSIONS = "backend_core_parkingsession"
PAYMENTS = "backend_core_payment"


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def data_of(warehouse: Path) -> dict:
    """raw.* without the load history (a failed load writes none anyway)."""
    return {t: rows for t, rows in raw_snapshot(warehouse).items() if t != "_load_history"}


def test_source_replaced_by_an_unrelated_sqlite_database_is_refused_before_any_write(tmp_path):
    source = generate_source(tmp_path / "source.sqlite3")
    warehouse = tmp_path / "warehouse.duckdb"
    extract_to_raw(str(source), warehouse)
    before = digest(warehouse)
    source.unlink()
    with sqlite3.connect(source) as con:  # someone else's application database, same path
        con.execute("create table django_migrations (id integer primary key, app text, name text)")
        con.execute("create table backend_core_parkingsession (id integer primary key, note text)")
    with pytest.raises(ParkingWarehouseError) as caught:
        extract_to_raw(str(source), warehouse)
    message = str(caught.value)
    assert str(source) in message and "users_customuser" in message and "does not exist" in message
    assert digest(warehouse) == before  # checked against the contract before anything was written


def test_source_damaged_on_disk_names_the_table_and_writes_nothing(tmp_path):
    source = generate_source(tmp_path / "source.sqlite3")
    warehouse = tmp_path / "warehouse.duckdb"
    extract_to_raw(str(source), warehouse)
    before = data_of(warehouse)
    with contextlib.closing(sqlite3.connect(source)) as con:
        page_size = con.execute("pragma page_size").fetchone()[0]
        root = con.execute("select rootpage from sqlite_master where name = ?", (PAYMENTS,)).fetchone()[0]
    with source.open("r+b") as handle:  # the payments' root page overwritten: a b-tree SQLite rejects
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * 64)
    with pytest.raises(ParkingWarehouseError) as caught:
        extract_to_raw(str(source), warehouse, full_refresh=True)
    message = str(caught.value)
    assert str(source) in message and PAYMENTS in message, message
    assert "malformed" in message and "integrity_check" in message, message
    assert data_of(warehouse) == before  # the tables read before it re-read the same rows


@pytest.mark.postgres
def test_postgres_connection_killed_mid_extract_leaves_nothing_half_loaded(tmp_path, postgres_url):
    name = f"parking_fault_{secrets.token_hex(4)}"
    url, _ = copy_sqlite_to_postgres(generate_source(tmp_path / "source.sqlite3"), postgres_url, name)
    try:
        warehouse = tmp_path / "warehouse.duckdb"
        extract_to_raw(url, warehouse)
        with psycopg.connect(url, autocommit=True) as con:  # changes the killed load would bring
            for table in (SESSIONS, "backend_core_payment"):
                con.execute(f"update {table} set amount = amount + 1, updated_at = now() where amount is not null")
        before = data_of(warehouse)
        extract = subprocess.Popen(
            [sys.executable, "-m", "parking_warehouse.cli", "extract", "--source", url,
             "--warehouse", str(warehouse), "--full-refresh"],
            env={**os.environ, "PARKING_EXTRACT_TEST_BATCH_PAUSE": "0.2"}, cwd=REPO_ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for line in extract.stderr:
            if line.startswith(f"extract-test: {SESSIONS} batch 2"):
                break
        with psycopg.connect(postgres_url, autocommit=True) as con:  # the DBA, or a failover
            killed = con.execute("select count(*) from (select pg_terminate_backend(pid) from pg_stat_activity "
                                 "where datname = %s and pid <> pg_backend_pid()) t", (name,)).fetchone()[0]
        assert killed >= 1
        _, err = extract.communicate(timeout=600)
        assert extract.returncode == 1, err
        message = err.strip().splitlines()[-1]
        assert message.startswith("parking-warehouse extract: error: source postgresql://parking:***@"), err
        assert "reading table backend_core_" in message and "terminating connection" in message, err
        assert "parking:parking@" not in err
        failed = data_of(warehouse)
        extract_to_raw(url, warehouse)  # the connection is back: the next run catches up
        assert_raw_equals_postgres(url, warehouse)
        caught_up = data_of(warehouse)
        # each table holds its load before the kill, or all of it: none is half-loaded
        assert all(failed[t] in (before[t], caught_up[t]) for t in before)
        assert failed != caught_up, "the kill came after the extract had finished"
    finally:
        drop_database(postgres_url, name)


def publish_version(warehouse: Path, run_id: str, value: int) -> None:
    """A publication by the real protocol (working copy, os.replace, publications.json)."""
    working = publish.prepare_working_copy(warehouse, run_id)
    with duckdb.connect(str(working)) as con:
        con.execute("create or replace table marker as select ? as value", [value])
    publish.publish(warehouse, run_id)


def test_published_file_corrupted_on_disk_is_reported_and_rollback_restores_the_last_good(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    publish_version(warehouse, "run-1", 1)
    publish_version(warehouse, "run-2", 2)
    assert cli("check", "--warehouse", str(warehouse)).returncode == 0
    os.chmod(warehouse, 0o644)  # a bad disk or a hand edit: flip bytes in the middle of the file
    with open(warehouse, "r+b") as handle:
        handle.seek(warehouse.stat().st_size // 2)
        handle.write(b"\xde\xad\xbe\xef" * 64)
    checked = cli("check", "--warehouse", str(warehouse))
    assert checked.returncode == 1
    assert "is corrupted" in checked.stderr and "rollback" in checked.stderr, checked.stderr
    rolled = cli("rollback", "--warehouse", str(warehouse))
    assert rolled.returncode == 0, rolled.stderr
    assert cli("check", "--warehouse", str(warehouse)).returncode == 0
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select value from marker").fetchone()[0] == 1
    assert oct(warehouse.stat().st_mode & 0o777) == "0o444"  # documented: the published file is read-only


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "parking_warehouse.cli", *args], cwd=REPO_ROOT,
                          capture_output=True, text=True, check=False, timeout=600)


@pytest.fixture
def small_disk(tmp_path):
    """A 64 MB ext4 file system, loop-mounted (the tests run as root in CI)."""
    image, mount = tmp_path / "disk.img", tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["dd", "if=/dev/zero", f"of={image}", "bs=1M", "count=64"], check=True, capture_output=True)
    subprocess.run(["mkfs.ext4", "-q", str(image)], check=True, capture_output=True)
    subprocess.run(["mount", "-o", "loop", str(image), str(mount)], check=True, capture_output=True)
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True, capture_output=True)


@pytest.mark.slow
def test_disk_full_during_a_run_fails_clearly_and_keeps_the_published_file(tmp_path, small_disk):
    source = generate_source(tmp_path / "source.sqlite3")
    warehouse = small_disk / "wh" / "warehouse.duckdb"
    run = ("run", "--date", "2026-03-01", "--source", str(source), "--warehouse", str(warehouse),
           "--reports-dir", str(tmp_path / "reports"), "--timezone", "Europe/Berlin")
    first = cli(*run)
    assert first.returncode == 0, first.stderr
    published = digest(warehouse)
    free = shutil.disk_usage(small_disk).free
    filler = small_disk / "filler"  # everything but a little more than one working copy
    with open(filler, "wb") as handle:
        handle.truncate(0)
        handle.write(b"\0" * max(0, free - warehouse.stat().st_size - (2 << 20)))
    full = cli(*run)
    assert full.returncode == 1, full.stdout
    message = full.stderr.strip().splitlines()[-1]
    assert message.startswith("parking-warehouse run: error:") and "No space left on device" in full.stderr, \
        full.stderr
    assert digest(warehouse) == published
    assert cli("check", "--warehouse", str(warehouse)).returncode == 0
    filler.unlink()  # space is back
    again = cli(*run)
    assert again.returncode == 0, again.stderr
    assert cli("check", "--warehouse", str(warehouse)).returncode == 0


def test_publish_killed_after_keeping_its_version_does_not_block_the_next_publish(tmp_path):
    """A publish killed between linking its version file and writing publications.json leaves
    an unrecorded versions/<n>.duckdb; the next publish takes the same number and replaces it."""
    warehouse = tmp_path / "warehouse.duckdb"
    publish_version(warehouse, "run-1", 1)
    stray = publish.warehouse_paths(warehouse).versions_dir / "000002.duckdb"
    stray.write_bytes(b"left by a killed publish")
    stray.chmod(0o444)
    publish_version(warehouse, "run-2", 2)
    assert publish.current_publication(warehouse)["version"] == 2
    assert publish.sha256_file(stray) == publish.current_publication(warehouse)["sha256"]
    assert cli("check", "--warehouse", str(warehouse)).returncode == 0
