"""Publishing: working copy -> os.replace, kept versions, rollback, and the run lock."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import pytest

from parking_warehouse import publish
from parking_warehouse.errors import ParkingWarehouseError


def _build(warehouse: Path, run_id: str, value: int) -> Path:
    """A run's work: copy the published file, change it, close it."""
    working = publish.prepare_working_copy(warehouse, run_id)
    con = duckdb.connect(str(working))
    con.execute("create table if not exists t (v integer)")
    con.execute("delete from t")
    con.execute("insert into t values (?)", [value])
    con.close()
    return working


def _value(warehouse: Path) -> int:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute("select v from t").fetchone()[0]
    finally:
        con.close()


def test_publish_puts_the_working_copy_in_place_and_keeps_versions(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    for value in range(1, 8):
        _build(warehouse, f"run-{value}", value)
        publication = publish.publish(warehouse, f"run-{value}", run_date=f"2026-03-0{value}", keep=3)
        assert _value(warehouse) == value
        assert publication.version == value
    paths = publish.warehouse_paths(warehouse)
    assert sorted(p.name for p in paths.versions_dir.iterdir()) == ["000005.duckdb", "000006.duckdb", "000007.duckdb"]
    assert publish.current_publication(warehouse)["run_date"] == "2026-03-07"
    assert publish.current_publication(warehouse)["sha256"] == publish.sha256_file(warehouse)
    assert not list(paths.building_dir.glob("*.duckdb")), "the working copy became the published file"
    assert not Path(f"{warehouse}.wal").exists()


def test_rollback_puts_back_earlier_publications_and_a_new_run_continues_from_there(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    for value in (1, 2, 3):
        _build(warehouse, f"run-{value}", value)
        publish.publish(warehouse, f"run-{value}", run_date=f"2026-03-0{value}")
    result = publish.rollback(warehouse, steps=1)
    assert _value(warehouse) == 2 and (result.from_version, result.to_version) == (3, 2)
    assert "version 2" in str(result)
    publish.rollback(warehouse, steps=1)
    assert _value(warehouse) == 1
    with pytest.raises(ParkingWarehouseError, match="only 0 earlier version"):
        publish.rollback(warehouse, steps=1)
    _build(warehouse, "run-4", 4)
    publish.publish(warehouse, "run-4", run_date="2026-03-04")
    assert _value(warehouse) == 4
    log = publish.read_log(warehouse)
    assert [r["version"] for r in log["versions"]] == [1, 4], "versions rolled back over are dropped"
    publish.rollback(warehouse)
    assert _value(warehouse) == 1


def test_publish_refuses_when_the_published_file_changed_after_the_copy(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _build(warehouse, "first", 1)
    publish.publish(warehouse, "first")
    _build(warehouse, "slow", 2)
    _build(warehouse, "fast", 3)
    publish.publish(warehouse, "fast")
    with pytest.raises(ParkingWarehouseError, match="changed after run 'slow' copied it"):
        publish.publish(warehouse, "slow")
    assert _value(warehouse) == 3


def test_a_second_run_is_refused_with_the_holder_named(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    with publish.run_lock(warehouse, run_id="run-A"):
        with publish.run_lock(warehouse, run_id="run-A"):  # re-entrant for the same run
            pass
        with (pytest.raises(ParkingWarehouseError, match="run run-A"),
              publish.run_lock(warehouse, run_id="run-C")):  # another run, same process
            pass
        child = subprocess.run(
            [sys.executable, "-c", textwrap.dedent(f"""
                from parking_warehouse import publish
                with publish.run_lock({str(warehouse)!r}, run_id="run-B", wait_seconds=0.5):
                    pass
            """)], capture_output=True, text=True, check=False)
    assert child.returncode != 0
    assert "another pipeline run is using the warehouse" in child.stderr
    assert f"pid {os.getpid()}, run run-A" in child.stderr


def test_a_waiting_run_gets_the_lock_when_the_first_finishes(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from parking_warehouse import publish
        with publish.run_lock({str(warehouse)!r}, run_id="holder"):
            print("locked", flush=True)
            time.sleep(1.5)
    """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    started = time.monotonic()
    with publish.run_lock(warehouse, run_id="waiter", wait_seconds=30, poll_seconds=0.1):
        waited = time.monotonic() - started
    holder.wait()
    assert 0.5 < waited < 10


def test_a_killed_run_leaves_no_stale_lock(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from parking_warehouse import publish
        with publish.run_lock({str(warehouse)!r}, run_id="doomed"):
            print("locked", flush=True)
            time.sleep(600)
    """)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    with pytest.raises(ParkingWarehouseError, match="run doomed"), publish.run_lock(warehouse, run_id="next"):
        pass
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    with publish.run_lock(warehouse, run_id="next"):
        pass


def test_working_copy_is_a_copy_and_the_published_file_is_read_only(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    _build(warehouse, "first", 1)
    publish.publish(warehouse, "first")
    before = warehouse.read_bytes()
    working = _build(warehouse, "second", 2)
    assert working.stat().st_ino != warehouse.stat().st_ino
    assert warehouse.read_bytes() == before
    assert not (warehouse.stat().st_mode & 0o222), "nobody writes the published file in place"
    publish.discard_working_copy(warehouse, "second")
    assert not working.exists()
    with pytest.raises(ParkingWarehouseError, match="no working copy"):
        publish.working_copy(warehouse, "second")


def test_what_was_published_since_a_copy_is_known_unless_a_rollback_intervened(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    for value in (1, 2):
        _build(warehouse, f"run-{value}", value)
        publish.publish(warehouse, f"run-{value}")
    _build(warehouse, "long", 10)
    assert publish.publications_since_copy(warehouse, "long") == []
    _build(warehouse, "report_x", 3)
    publish.publish(warehouse, "report_x")
    assert [r["run_id"] for r in publish.publications_since_copy(warehouse, "long")] == ["report_x"]
    publish.rebase_working_copy(warehouse, "long")
    assert publish.publications_since_copy(warehouse, "long") == []
    publish.rollback(warehouse, steps=2)
    assert publish.publications_since_copy(warehouse, "long") is None
    with pytest.raises(ParkingWarehouseError, match="changed after run 'long' copied it"):
        publish.publish(warehouse, "long")


def test_dbt_opens_every_run_s_working_copy_under_one_path(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    links = []
    for run_id, value in (("run-1", 1), ("run-2", 2)):
        working = _build(warehouse, run_id, value)
        with publish.working_copy_for_dbt(warehouse, run_id) as link:
            links.append(link)
            assert link.stat().st_ino == working.stat().st_ino
            con = duckdb.connect(str(link))
            con.execute("update t set v = v * 10")
            con.close()
        assert not link.exists()
        assert _value(working) == value * 10
        publish.publish(warehouse, run_id, run_date=None)
    assert links[0] == links[1] == tmp_path / ".warehouse" / "dbt" / "warehouse.duckdb"


def test_a_write_ahead_log_left_beside_the_dbt_path_is_kept_in_its_file(tmp_path):
    """A build killed before DuckDB checkpointed leaves `warehouse.duckdb.wal` beside the link:
    its committed work is folded into the working copy, not lost or applied to another file."""
    warehouse = tmp_path / "warehouse.duckdb"
    working = _build(warehouse, "run-1", 1)
    link = tmp_path / ".warehouse" / "dbt" / "warehouse.duckdb"
    link.parent.mkdir(parents=True)
    os.link(working, link)
    script = textwrap.dedent(f"""
        import os, duckdb
        con = duckdb.connect({str(link)!r})
        con.execute("set checkpoint_threshold = '1GB'")
        con.execute("update t set v = 7")
        os._exit(0)  # like a kill: no checkpoint on close
    """)
    subprocess.run([sys.executable, "-c", script], check=True)
    assert Path(f"{link}.wal").exists()

    _build(warehouse, "run-2", 2)  # another run's copy: the leftover link must not touch it
    with publish.working_copy_for_dbt(warehouse, "run-2") as fresh:
        assert _value(fresh) == 2
    assert _value(working) == 7
    assert not Path(f"{link}.wal").exists()
