"""run_daily with the real steps on a small generated source: order, publish, report folder,
stored reports, failure safety, the run lock, and the DAG's steps run one at a time.

The session's `built` warehouse (conftest.py) ran 2026-02-27, 02-28 and 03-01; tests that change
anything work on a copy of it.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import sqlite3
from datetime import date

import pytest
from pipeline_support import DAYS, LAST, TZ, copy_built, daily_run_id, make_settings, query

from parking_warehouse import publish
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.pipeline import (
    STEPS,
    Run,
    build_step,
    extract_step,
    materialise_reports_step,
    publish_step,
    run_daily,
    validate_marts_step,
    validate_raw_step,
)
from parking_warehouse.reports.materialise import OUTPUT_NAMES, REPORT_OUTPUT_NAMES

NEXT = date(2026, 3, 2)  # the day after the source's last day


def test_run_daily_runs_the_steps_in_order_publishes_and_writes_the_report_folder(built):
    settings, result = built.settings, built.results[LAST]
    run_id = daily_run_id(LAST)
    assert list(result.seconds) == list(STEPS)
    assert result.publication.run_date == "2026-03-01" and result.publication.run_id == run_id
    assert result.as_of.isoformat() == "2026-03-02T00:00:00+01:00"
    assert run_id in str(result) and "index.html" in str(result)
    # The run's summary says where the build's time went: dbt's five slowest nodes.
    slowest = re.search(r"\(slowest: (.*)\)", str(result)).group(1).split(", ")
    assert len(slowest) == 5 and all(re.fullmatch(r"\w+ \d+\.\d s", node) for node in slowest)
    # Each step left its trace in the published file, under the run's id and in order.
    loaded = query(settings, "select table_name from raw._load_history where run_id = ? order by 1", [run_id])
    assert {name for (name,) in loaded} >= {"backend_core_parkingsession", "backend_core_payment"}
    suites = query(settings, "select suite, count(*), max(validated_at) from audit.dq_results "
                             "where run_id = ? group by suite order by 3", [run_id])
    assert [(suite, count > 0) for suite, count, _ in suites] == [("raw", True), ("marts", True)]
    assert query(settings, "select run_date::varchar from marts.dashboard_summary") == [("2026-03-01",)]
    assert (settings.reports_dir / "dbt_docs" / "index.html").exists()
    assert (settings.reports_dir / "data_docs" / "index.html").exists()
    current = publish.current_publication(settings.warehouse)
    assert (current["run_id"], current["run_date"], current["version"]) == (run_id, "2026-03-01", 3)
    assert current["sha256"] == publish.sha256_file(settings.warehouse)

    folder = settings.reports_dir / "2026-03-01"
    expected = {f"{name}.json" for name in REPORT_OUTPUT_NAMES} | {"health.json", "manifest.json", "index.html"}
    assert {p.name for p in folder.iterdir()} == expected
    manifest = json.loads((folder / "manifest.json").read_text())
    assert list(manifest)[:4] == ["run_id", "run_date", "as_of", "timezone"]
    assert (manifest["run_id"], manifest["run_date"], manifest["as_of"], manifest["timezone"]) == (
        run_id, "2026-03-01", "2026-03-02T00:00:00+01:00", TZ)
    assert set(manifest["files"]) == expected - {"manifest.json"}
    for name, entry in manifest["files"].items():
        assert hashlib.sha256((folder / name).read_bytes()).hexdigest() == entry["sha256"], name
    assert manifest["row_counts"]["outputs"]["zone_occupancy"] == 2
    assert manifest["row_counts"]["marts"]["analytics_reports"] == 5
    assert manifest["warehouse"]["sha256"] == current["sha256"]
    dashboard_text = (folder / "dashboard_summary.json").read_text()
    assert dashboard_text.startswith('{\n  "total_slots": 8,\n  "occupied_slots": ')
    dashboard = json.loads(dashboard_text)
    assert [dashboard[k] for k in ("occupied_slots", "active_sessions", "revenue_today")] == [
        *query(settings, "select occupied_slots, active_sessions, revenue_today::double "
                         "from marts.dashboard_summary")[0]]
    health = json.loads((folder / "health.json").read_text())
    assert (health["status"], health["problems"]) == ("ok", [])  # a clean source
    (checks,) = query(settings, "select count(*) from audit.dq_results where run_id = ?", [run_id])[0]
    assert health["data_quality"]["checks"] == checks > 100 and health["data_quality"]["failed"] == 0
    assert health["quarantine"] == {"total_rows": 0, "by_table_and_reason": []}
    assert health["last_publish"]["run_date"] == "2026-03-01" and health["last_publish"]["run_id"] == run_id
    assert json.loads((settings.reports_dir / "health.json").read_text()) == health


def _analytics_reports(settings) -> list[tuple]:
    return query(settings, "select id, report_type, title, period_from::varchar, period_to::varchar, "
                           "generated_by, created_at, data from marts.analytics_reports order by id")


def test_the_daily_runs_build_through_one_path_so_dbt_parses_the_project_once(built):
    dbt_path = publish.warehouse_paths(built.settings.warehouse).dbt_path
    log = (dbt_path.parent / f"{dbt_path.name}.dbt" / "logs" / "dbt.log").read_text()
    invocations = log.split("Running with dbt")[1:]  # a build per day, and the docs once

    assert len(invocations) >= len(DAYS)
    assert "Unable to do partial parsing because saved manifest not found" in invocations[0]
    for later in invocations[1:]:
        assert "Partial parsing enabled, no changes found" in later
        assert "Unable to do partial parsing" not in later
    assert not dbt_path.exists()  # the link lives only during the build


def test_the_daily_runs_store_their_reports_in_the_published_warehouse(built, rerun):
    rows = _analytics_reports(built.settings)
    assert [row[:6] for row in rows] == [
        (1, "daily", "Daily report 2026-02-27", "2026-02-27", "2026-02-27", None),
        (2, "daily", "Daily report 2026-02-28", "2026-02-28", "2026-02-28", None),
        (3, "monthly", "Monthly report 2026-02", "2026-02-01", "2026-02-28", None),  # Saturday, month end
        (4, "daily", "Daily report 2026-03-01", "2026-03-01", "2026-03-01", None),
        (5, "weekly", "Weekly report 2026-W09 (2026-02-23 to 2026-03-01)", "2026-02-23", "2026-03-01", None),
    ]
    daily = json.loads(rows[3][7])
    assert list(daily) == list(OUTPUT_NAMES)
    for name in OUTPUT_NAMES:  # the stored report is what the report folder shows
        assert daily[name] == json.loads((built.settings.reports_dir / "2026-03-01" / f"{name}.json").read_text())
    monthly, weekly = json.loads(rows[2][7]), json.loads(rows[4][7])
    assert [m["run_date"] for m in monthly["system_metrics"]] == ["2026-02-27", "2026-02-28"]
    assert [m["run_date"] for m in weekly["system_metrics"]] == [d.isoformat() for d in DAYS]
    assert weekly["revenue_report"]["period"] == {"from": "2026-02-23", "to": "2026-03-01"}

    # Running 2026-03-01 again replaces its daily and weekly reports (same ids), never duplicates them.
    again = _analytics_reports(rerun.settings)
    assert [row[:6] for row in again] == [row[:6] for row in rows]
    assert [row[6] for row in again[:3]] == [row[6] for row in rows[:3]]
    assert all(new[6] > old[6] for new, old in zip(again[3:], rows[3:], strict=True)), "stored again"


def test_the_day_s_vehicle_file_holds_the_vehicles_entering_that_day_with_their_whole_history(built):
    """Report files at scale: vehicle_analytics.json follows the day, the mart keeps every vehicle."""
    filed = json.loads((built.settings.reports_dir / LAST.isoformat() / "vehicle_analytics.json").read_text())
    entering = [plate for (plate,) in query(built.settings, """
        select distinct v.vehicle_number
        from raw.backend_core_parkingsession s
        join raw.backend_core_vehicle v on v.id = cast(s.vehicle_id as bigint)
        where s.status <> 'cancelled' and v._deleted_at is null and s._deleted_at is null
            and cast(timezone(?, timezone('UTC', cast(s.entry_time as timestamp))) as date) = ?
        order by 1""", [TZ, LAST])]
    every_vehicle = query(built.settings, "select vehicle_number, total_visits, first_visit "
                                          "from marts.vehicle_analytics order by vehicle_number")
    assert [v["vehicle_number"] for v in filed] == entering
    assert 0 < len(filed) < len(every_vehicle)
    whole_history = {plate: visits for plate, visits, _ in every_vehicle}
    assert all(v["total_visits"] == whole_history[v["vehicle_number"]] for v in filed)
    assert any(v["first_visit"] < LAST.isoformat() for v in filed), "history before D is kept"


def test_the_nine_outputs_are_byte_identical_for_the_same_data(built, rerun):
    for name in REPORT_OUTPUT_NAMES:
        assert (built.settings.reports_dir / "2026-03-01" / f"{name}.json").read_bytes() == \
               (rerun.settings.reports_dir / "2026-03-01" / f"{name}.json").read_bytes(), name
    manifest = json.loads((rerun.settings.reports_dir / "2026-03-01" / "manifest.json").read_text())
    assert manifest["run_id"] == rerun.result.run_id and manifest["warehouse"]["version"] == 4


def _plant_negative_payment(source) -> None:
    """A payment the source got after the last load, with a negative amount: staging quarantines it."""
    con = sqlite3.connect(source)
    try:
        payment_id, session_id = con.execute(
            "select (select max(id) + 1 from backend_core_payment), "
            "(select max(id) from backend_core_parkingsession where status = 'completed')").fetchone()
        con.execute(
            "insert into backend_core_payment (id, amount, payment_method, status, transaction_id, paid_at, "
            "created_at, updated_at, session_id) values (?, '-5.00', 'cash', 'completed', 'TXN-PLANTED', "
            "'2026-03-01 22:50:00', '2026-03-01 22:50:00', '2026-03-01 22:50:00', ?)", [payment_id, session_id])
        con.commit()
    finally:
        con.close()


def test_a_failed_marts_validation_leaves_the_published_warehouse_byte_identical(built, tmp_path, monkeypatch):
    """A real blocking failure: one quarantined payment in ~150 is above a gate lowered (through
    its documented environment variable) to 0.5 %, so suite marts fails after the dbt build."""
    source = tmp_path / "source.sqlite3"
    shutil.copyfile(built.settings.source, source)
    _plant_negative_payment(source)
    settings = copy_built(built.settings, tmp_path / "copy", source=source)
    monkeypatch.setenv("PARKING_DQ_MAX_QUARANTINED_SHARE", "0.005")
    before = settings.warehouse.read_bytes()
    log_before = publish.read_log(settings.warehouse)
    report_before = {p.name: p.read_bytes() for p in (settings.reports_dir / "2026-03-01").iterdir()}

    with pytest.raises(ParkingWarehouseError,
                       match=r"suite 'marts' \(run bad\) failed 1 blocking .*quarantined_share.*backend_core_payment"):
        run_daily(settings, run_date=NEXT, run_id="bad")

    assert settings.warehouse.read_bytes() == before
    assert publish.read_log(settings.warehouse) == log_before
    assert publish.current_publication(settings.warehouse)["run_id"] == daily_run_id(LAST)
    assert not (settings.reports_dir / "2026-03-02").exists()
    assert {p.name: p.read_bytes() for p in (settings.reports_dir / "2026-03-01").iterdir()} == report_before
    assert not list(publish.warehouse_paths(settings.warehouse).building_dir.iterdir())
    health = json.loads((settings.reports_dir / "health.json").read_text())
    assert health["status"] == "failing"
    assert health["problems"][0].startswith("run bad for 2026-03-02 failed at step validate_marts")
    assert health["failed_run"]["step"] == "validate_marts"
    assert health["failed_run"]["data_quality"]["blocking_failed"] == 1
    assert health["last_publish"]["run_id"] == daily_run_id(LAST)


def test_a_run_while_another_holds_the_lock_is_refused_and_changes_nothing(built, tmp_path):
    settings = copy_built(built.settings, tmp_path)
    before = settings.warehouse.read_bytes()
    with (publish.run_lock(settings.warehouse, run_id="someone-else"),
          pytest.raises(ParkingWarehouseError, match="run someone-else")):
        run_daily(settings, run_date=NEXT, run_id="second")
    assert settings.warehouse.read_bytes() == before
    assert publish.current_publication(settings.warehouse)["run_id"] == daily_run_id(LAST)


def test_run_daily_needs_a_source(tmp_path):
    with pytest.raises(ParkingWarehouseError, match="no source database configured"):
        run_daily(make_settings(tmp_path), run_date=LAST)


def _steps_until_publish(settings, run_date, run_id):
    """The DAG's tasks before publish, one after the other, each taking the lock by itself."""
    run = Run(settings, run_date, run_id)
    for step in (extract_step, validate_raw_step, build_step, validate_marts_step):
        step(run)
    return run


def test_a_custom_report_published_during_a_dag_run_is_carried_over_by_its_publish(built, tmp_path):
    from parking_warehouse.reports import generate_custom_report

    settings = copy_built(built.settings, tmp_path)
    admin = query(settings, "select min(user_id) from core.dim_users where role = 'admin'")[0][0]
    run = _steps_until_publish(settings, NEXT, "scheduled-2")
    report = generate_custom_report(settings, date_from=DAYS[0], date_to=LAST, generated_by=admin)
    assert publish.current_publication(settings.warehouse)["run_id"].startswith("report_")
    publication = publish_step(run)
    assert (publication.run_date, publication.run_id) == ("2026-03-02", "scheduled-2")
    rows = query(settings, "select id, report_type, period_to::varchar, generated_by from marts.analytics_reports "
                           "order by id")
    # The admin's report is kept under the id it was published with; the run's own daily report,
    # stored in the copy under that same id before, moves to the next free one.
    assert rows == [
        (1, "daily", "2026-02-27", None), (2, "daily", "2026-02-28", None), (3, "monthly", "2026-02-28", None),
        (4, "daily", "2026-03-01", None), (5, "weekly", "2026-03-01", None),
        (report.report_id, "custom", "2026-03-01", admin), (7, "daily", "2026-03-02", None)]
    assert report.report_id == 6
    stored = json.loads(query(settings, "select data from marts.analytics_reports where report_type = 'custom'")[0][0])
    assert stored == json.loads(report.path.read_text())["data"]
    folder = materialise_reports_step(run)
    assert folder == settings.reports_dir / "2026-03-02" and (folder / "index.html").exists()
    assert json.loads((folder / "manifest.json").read_text())["run_id"] == "scheduled-2"


def test_a_daily_run_published_during_a_dag_run_makes_its_publish_refuse(built, tmp_path):
    settings = copy_built(built.settings, tmp_path)
    slow = Run(settings, NEXT, "slow-2")
    extract_step(slow)  # the DAG run's working copy is made; its other tasks are still to come
    run_daily(settings, run_date=NEXT, run_id="fast-2")
    before = settings.warehouse.read_bytes()
    with pytest.raises(ParkingWarehouseError, match="changed after run 'slow-2' copied it"):
        publish_step(slow)
    assert settings.warehouse.read_bytes() == before
    assert publish.current_publication(settings.warehouse)["run_id"] == "fast-2"
    with pytest.raises(ParkingWarehouseError, match="holds the marts for 2026-03-02"):
        materialise_reports_step(Run(settings, date(2026, 3, 3), "other"))

