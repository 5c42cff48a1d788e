"""The run parameters D and time zone: how they reach the dbt project (macros/time.sql).

build_models passes them through the environment, read only while executing, so a new D does
not make dbt parse the whole project again; --vars (a hand-run build) still wins, and a build
with neither stops with a message naming the missing parameter.
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from test_dbt_support import build, query

from parking_warehouse.transform import (
    DBT_PROJECT_DIR,
    WAREHOUSE_ENV,
    dbt_work_dir,
    release_warehouse,
)

BERLIN = "Europe/Berlin"


@pytest.fixture
def warehouse(source_db, tmp_path):
    user = source_db.user(role="user")
    zone = source_db.zone("Center")
    slot = source_db.slot(zone, "A1")
    vehicle = source_db.vehicle("B-AB 1", owner=user)
    source_db.session(slot, vehicle, entry="2026-03-02 09:00:00", exit="2026-03-02 11:00:00",
                      amount="4.00")
    return tmp_path / "warehouse.duckdb"


def _log_of_last_invocation(warehouse) -> str:
    log = (dbt_work_dir(warehouse) / "logs" / "dbt.log").read_text()
    return log[log.rindex("Running with dbt"):]


def test_a_new_run_date_reuses_the_parsed_project(source_db, warehouse):
    build(source_db, warehouse, date(2026, 3, 2), BERLIN)
    build(source_db, warehouse, date(2026, 3, 3), BERLIN)

    log = _log_of_last_invocation(warehouse)
    assert "Unable to do partial parsing" not in log
    assert "Partial parsing enabled, no changes found" in log
    assert query(warehouse, "select run_date, timezone from marts.dashboard_summary") == [
        (date(2026, 3, 3), BERLIN)]


def _dbt_build(warehouse, monkeypatch, *extra: str):
    """`dbt build` as run by hand: only the warehouse path comes from the environment."""
    from dbt.cli.main import dbtRunner

    work_dir = dbt_work_dir(warehouse)
    monkeypatch.setenv(WAREHOUSE_ENV, str(warehouse))
    try:
        return dbtRunner().invoke([
            "build", "--project-dir", str(DBT_PROJECT_DIR), "--profiles-dir", str(DBT_PROJECT_DIR),
            "--target-path", str(work_dir / "target"), "--log-path", str(work_dir / "logs"),
            "--quiet", *extra])
    finally:
        release_warehouse()


def test_vars_given_by_hand_drive_the_build(source_db, warehouse, monkeypatch):
    build(source_db, warehouse, date(2026, 3, 2), BERLIN)
    monkeypatch.setenv("PARKING_DBT_RUN_DATE", "2026-03-02")
    monkeypatch.setenv("PARKING_DBT_TIMEZONE", "UTC")

    outcome = _dbt_build(warehouse, monkeypatch, "--vars",
                         json.dumps({"run_date": "2026-03-04", "timezone": BERLIN}))

    assert outcome.success
    assert query(warehouse, "select run_date, timezone from marts.dashboard_summary") == [
        (date(2026, 3, 4), BERLIN)]


def test_a_build_without_run_date_names_what_is_missing(source_db, warehouse, monkeypatch):
    build(source_db, warehouse, date(2026, 3, 2), BERLIN)
    monkeypatch.delenv("PARKING_DBT_RUN_DATE", raising=False)
    monkeypatch.setenv("PARKING_DBT_TIMEZONE", BERLIN)

    outcome = _dbt_build(warehouse, monkeypatch)

    assert not outcome.success
    messages = " ".join(str(result.message) for result in outcome.result.results
                        if result.status == "error")
    assert "the run parameter run_date is not set" in messages
    assert "PARKING_DBT_RUN_DATE" in messages
