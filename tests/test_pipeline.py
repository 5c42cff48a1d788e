"""run_daily's orchestration with stand-in steps: order, publish, report folder, failure safety.

The same behaviours against the real extract, GX and dbt are in test_pipeline_end_to_end.py.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import duckdb
import pytest
from test_pipeline_fakes import install_fake_steps, make_settings

from parking_warehouse import publish
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.pipeline import (
    Run,
    build_step,
    extract_step,
    materialise_reports_step,
    publish_step,
    run_daily,
    validate_marts_step,
    validate_raw_step,
)
from parking_warehouse.reports.materialise import OUTPUT_NAMES

D = date(2026, 3, 8)  # a Sunday: the weekly report is due too


@pytest.fixture
def fake(monkeypatch):
    return install_fake_steps(monkeypatch)


def test_run_daily_calls_the_steps_in_order_publishes_and_writes_the_report_folder(tmp_path, fake):
    settings = make_settings(tmp_path)
    result = run_daily(settings, run_date=D, run_id="run-1")
    assert fake.calls == ["extract", "validate_raw", "build", "dbt_docs", "validate_marts"]
    assert list(result.seconds) == ["extract", "validate_raw", "build", "validate_marts", "publish",
                                    "materialise_reports"]
    assert result.publication.run_date == "2026-03-08"
    assert result.as_of.isoformat() == "2026-03-09T00:00:00+01:00"
    folder = settings.reports_dir / "2026-03-08"
    expected = {f"{name}.json" for name in OUTPUT_NAMES} | {"health.json", "manifest.json", "index.html"}
    assert {p.name for p in folder.iterdir()} == expected
    manifest = json.loads((folder / "manifest.json").read_text())
    assert list(manifest)[:4] == ["run_id", "run_date", "as_of", "timezone"]
    assert (manifest["run_id"], manifest["run_date"], manifest["as_of"], manifest["timezone"]) == (
        "run-1", "2026-03-08", "2026-03-09T00:00:00+01:00", "Europe/Berlin")
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"], name
    assert manifest["row_counts"]["outputs"]["zone_occupancy"] == 3
    assert manifest["warehouse"]["sha256"] == publish.sha256_file(settings.warehouse)
    dashboard = (folder / "dashboard_summary.json").read_text()
    assert dashboard.startswith('{\n  "total_slots": 80,\n  "occupied_slots": 30,')
    health = json.loads((folder / "health.json").read_text())
    assert health["status"] == "degraded"  # the fake quarantines two payments
    assert health["data_quality"]["checks"] == 2 and health["data_quality"]["failed"] == 0
    assert health["quarantine"]["by_table_and_reason"] == [
        {"table_name": "backend_core_payment", "reason": "negative amount", "row_count": 2}]
    assert health["last_publish"]["run_date"] == "2026-03-08"
    assert json.loads((settings.reports_dir / "health.json").read_text()) == health
    assert "run-1" in str(result) and "index.html" in str(result)


def test_the_daily_run_stores_its_reports_in_the_published_warehouse(tmp_path, fake):
    settings = make_settings(tmp_path)
    run_daily(settings, run_date=D, run_id="run-1")
    fake.revenue = 99.0
    run_daily(settings, run_date=D, run_id="run-2")  # re-run: replaces, never duplicates
    run_daily(settings, run_date=date(2026, 3, 31), run_id="run-3")  # month end (a Tuesday)
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    rows = con.execute("select id, report_type, title, period_from::varchar, period_to::varchar, "
                       "generated_by, data from marts.analytics_reports order by id").fetchall()
    con.close()
    assert [row[:6] for row in rows] == [
        (1, "daily", "Daily report 2026-03-08", "2026-03-08", "2026-03-08", None),
        (2, "weekly", "Weekly report 2026-W10 (2026-03-02 to 2026-03-08)", "2026-03-02", "2026-03-08", None),
        (3, "daily", "Daily report 2026-03-31", "2026-03-31", "2026-03-31", None),
        (4, "monthly", "Monthly report 2026-03", "2026-03-01", "2026-03-31", None),
    ]
    daily = json.loads(rows[0][6])
    assert list(daily) == list(OUTPUT_NAMES)
    assert daily["dashboard_summary"]["revenue_today"] == 99.0
    monthly = json.loads(rows[3][6])
    assert [m["run_date"] for m in monthly["system_metrics"]] == ["2026-03-08", "2026-03-31"]


def test_a_failed_marts_validation_leaves_the_published_warehouse_byte_identical(tmp_path, fake):
    settings = make_settings(tmp_path)
    run_daily(settings, run_date=D, run_id="good")
    before = settings.warehouse.read_bytes()
    report_before = (settings.reports_dir / "2026-03-08" / "manifest.json").read_bytes()
    fake.fail_marts = True
    with pytest.raises(ParkingWarehouseError, match="blocking expectation failed"):
        run_daily(settings, run_date=date(2026, 3, 9), run_id="bad")
    assert settings.warehouse.read_bytes() == before
    assert publish.current_publication(settings.warehouse)["run_id"] == "good"
    assert not (settings.reports_dir / "2026-03-09").exists()
    assert (settings.reports_dir / "2026-03-08" / "manifest.json").read_bytes() == report_before
    assert not list(publish.warehouse_paths(settings.warehouse).building_dir.glob("*.duckdb"))
    health = json.loads((settings.reports_dir / "health.json").read_text())
    assert health["status"] == "failing"
    assert health["problems"][0].startswith("run bad for 2026-03-09 failed at step validate_marts")
    assert health["failed_run"]["data_quality"]["blocking_failed"] == 1
    assert health["last_publish"]["run_id"] == "good"


def test_a_run_while_another_holds_the_lock_is_refused_and_changes_nothing(tmp_path, fake):
    settings = make_settings(tmp_path)
    run_daily(settings, run_date=D, run_id="first")
    before = settings.warehouse.read_bytes()
    with (publish.run_lock(settings.warehouse, run_id="someone-else"),
          pytest.raises(ParkingWarehouseError, match="run someone-else")):
        run_daily(settings, run_date=date(2026, 3, 9), run_id="second")
    assert settings.warehouse.read_bytes() == before


def test_the_nine_outputs_are_byte_identical_for_the_same_data(tmp_path, fake):
    one, two = make_settings(tmp_path / "one"), make_settings(tmp_path / "two")
    run_daily(one, run_date=D)
    run_daily(two, run_date=D)
    for name in OUTPUT_NAMES:
        assert (one.reports_dir / "2026-03-08" / f"{name}.json").read_bytes() == \
               (two.reports_dir / "2026-03-08" / f"{name}.json").read_bytes(), name


def test_run_daily_needs_a_source(tmp_path, fake):
    from dataclasses import replace

    with pytest.raises(ParkingWarehouseError, match="no source database configured"):
        run_daily(replace(make_settings(tmp_path), source=None), run_date=D)


def _steps_until_publish(settings, run_date, run_id):
    """The DAG's tasks before publish, one after the other, each taking the lock by itself."""
    run = Run(settings, run_date, run_id)
    for step in (extract_step, validate_raw_step, build_step, validate_marts_step):
        step(run)
    return run


def test_a_custom_report_published_during_a_dag_run_is_carried_over_by_its_publish(tmp_path, fake):
    from parking_warehouse.reports import generate_custom_report

    settings = make_settings(tmp_path)
    run_daily(settings, run_date=D, run_id="daily-8")
    run = _steps_until_publish(settings, date(2026, 3, 9), "scheduled-9")
    generate_custom_report(settings, date_from=date(2026, 3, 1), date_to=D, generated_by=1)
    publication = publish_step(run)
    assert publication.run_date == "2026-03-09"
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    rows = con.execute("select report_type, period_to::varchar, generated_by from marts.analytics_reports "
                       "order by id").fetchall()
    con.close()
    assert ("custom", "2026-03-08", 1) in rows and ("daily", "2026-03-09", None) in rows
    assert len(rows) == len(set(rows))
    materialise_reports_step(run)
    assert (settings.reports_dir / "2026-03-09" / "index.html").exists()


def test_a_daily_run_published_during_a_dag_run_makes_its_publish_refuse(tmp_path, fake):
    settings = make_settings(tmp_path)
    run_daily(settings, run_date=D, run_id="daily-8")
    slow = _steps_until_publish(settings, date(2026, 3, 9), "slow-9")
    run_daily(settings, run_date=date(2026, 3, 9), run_id="fast-9")
    before = settings.warehouse.read_bytes()
    with pytest.raises(ParkingWarehouseError, match="changed after run 'slow-9' copied it"):
        publish_step(slow)
    assert settings.warehouse.read_bytes() == before
    with pytest.raises(ParkingWarehouseError, match="holds the marts for 2026-03-09"):
        materialise_reports_step(Run(settings, date(2026, 3, 10), "other"))
