"""The daily run with the real extract, Great Expectations, dbt and Airflow on a small generated source.

Slow: each run is a real dbt build. The module shares warehouses between its tests: one
published through `airflow dags test` (the single-day run of the last day), one backfilled over
three days (with a reader process during its last run), one per other single day.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pytest
from test_pipeline_fakes import airflow_home, run_airflow  # noqa: F401
from test_report_html import assert_charts_drawn, screenshot

from parking_warehouse import publish
from parking_warehouse.config import Settings
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.pipeline import run_daily
from parking_warehouse.reports.materialise import OUTPUT_NAMES

pytestmark = pytest.mark.slow

TZ = "Europe/Berlin"
DAYS = [date(2026, 3, 6), date(2026, 3, 7), date(2026, 3, 8)]


@pytest.fixture(scope="module")
def source(tmp_path_factory) -> Path:
    from parking_warehouse.generator import generate_database

    path = tmp_path_factory.mktemp("source") / "parking.sqlite3"
    generate_database(path, days=3, end_date=DAYS[-1], zones=3, slots_per_zone=10, timezone=TZ)
    return path


def _settings(folder: Path, source: Path) -> Settings:
    return Settings(timezone=TZ, source=str(source), warehouse=folder / "warehouse.duckdb",
                    reports_dir=folder / "reports")


@pytest.fixture(scope="module")
def through_airflow(tmp_path_factory, source, airflow_home) -> tuple[Settings, subprocess.CompletedProcess]:  # noqa: F811
    """`airflow dags test parking_daily` for the last day, on a fresh warehouse."""
    settings = _settings(tmp_path_factory.mktemp("airflow_run"), source)
    started = time.perf_counter()
    result = run_airflow(airflow_home, "dags", "test", "parking_daily", "2026-03-09T00:00:00+01:00",
                         settings=settings)
    print(f"airflow dags test parking_daily: {time.perf_counter() - started:.1f} s")
    return settings, result


READER = textwrap.dedent("""
    import hashlib, json, os, sys, time
    import duckdb
    path, stop = sys.argv[1], sys.argv[2]
    seen, errors, opened, raced = {}, [], 0, 0
    while not os.path.exists(stop) or opened < 3:
        fd = os.open(path, os.O_RDONLY)  # pins the file the path names now
        try:
            con = duckdb.connect(path, read_only=True)
            try:
                run_date = con.execute("select run_date::varchar from marts.dashboard_summary").fetchone()[0]
                last_marts_run = con.execute(
                    "select run_id from audit.dq_results where suite = 'marts' "
                    "order by validated_at desc limit 1").fetchone()[0]
                blocking_failed = con.execute(
                    "select count(*) from audit.dq_results where run_id = ? and suite = 'marts' "
                    "and severity = 'blocking' and not success", [last_marts_run]).fetchone()[0]
                daily_report = con.execute(
                    "select count(*) from marts.analytics_reports where report_type = 'daily' "
                    "and period_from = ?::date", [run_date]).fetchone()[0]
            finally:
                con.close()
            opened += 1
            if blocking_failed or daily_report != 1:
                errors.append(f"incomplete state {run_date}: {blocking_failed} {daily_report}")
            if os.stat(path).st_ino != os.fstat(fd).st_ino:
                raced += 1  # published in between: DuckDB may have read either file
                continue
            digest, offset = hashlib.sha256(), 0
            while block := os.pread(fd, 1 << 20, offset):
                digest.update(block)
                offset += len(block)
            state = seen.setdefault(digest.hexdigest(), {"run_date": run_date, "reads": 0})
            state["reads"] += 1
            if state["run_date"] != run_date:
                errors.append(f"one file, two run dates: {state['run_date']} {run_date}")
        except Exception as error:
            errors.append(f"{type(error).__name__}: {error}")
        finally:
            os.close(fd)
        time.sleep(0.02)
    print(json.dumps({"opened": opened, "raced": raced, "states": seen, "errors": errors}))
""")


@pytest.fixture(scope="module")
def backfilled(tmp_path_factory, source) -> tuple[Settings, dict, str]:
    """The three days run in order on one warehouse, as a catch-up/backfill does; during the
    whole last run a reader process opens the published file read-only in a loop."""
    folder = tmp_path_factory.mktemp("backfill")
    settings = _settings(folder, source)
    for day in DAYS[:-1]:
        print(run_daily(settings, run_date=day))
    stop = folder / "stop-reading"
    reader = subprocess.Popen([sys.executable, "-c", READER, str(settings.warehouse), str(stop)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.0)
        before = publish.current_publication(settings.warehouse)["sha256"]
        print(run_daily(settings, run_date=DAYS[-1]))
        time.sleep(1.0)
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=120)
    assert reader.returncode == 0, err[-3000:]
    return settings, json.loads(out), before


def test_airflow_dags_test_runs_the_daily_dag_end_to_end_and_publishes(through_airflow, airflow_home):  # noqa: F811
    settings, result = through_airflow
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    current = publish.current_publication(settings.warehouse)
    assert current["run_date"] == "2026-03-08" and current["run_id"].startswith("manual__")
    assert current["sha256"] == publish.sha256_file(settings.warehouse)
    folder = settings.reports_dir / "2026-03-08"
    expected = {f"{name}.json" for name in OUTPUT_NAMES} | {"health.json", "manifest.json", "index.html"}
    assert expected <= {p.name for p in folder.iterdir()}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["run_date"], manifest["as_of"], manifest["timezone"]) == (
        "2026-03-08", "2026-03-09T00:00:00+01:00", TZ)
    assert manifest["run_id"] == current["run_id"]
    health = json.loads((folder / "health.json").read_text())
    assert health["status"] in ("ok", "degraded") and health["data_quality"]["blocking_failed"] == 0
    assert health["data_quality"]["checks"] > 0
    assert {row["table_name"] for row in health["source_tables"]} >= {"backend_core_parkingsession"}
    dashboard = json.loads((folder / "dashboard_summary.json").read_text())
    assert dashboard["total_slots"] == 30
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        assert con.execute("select report_type, period_from::varchar from marts.analytics_reports").fetchall() \
            == [("daily", "2026-03-08"), ("weekly", "2026-03-02")]
    finally:
        con.close()
    assert (settings.reports_dir / "dbt_docs" / "index.html").exists()
    assert (settings.reports_dir / "data_docs" / "index.html").exists()
    events = sqlite3.connect(airflow_home / "airflow.db").execute(
        "select e.extra from asset_event e join asset a on a.id = e.asset_id where a.uri = ?",
        [settings.warehouse.as_uri()]).fetchall()
    assert [json.loads(extra)["run_date"] for (extra,) in events] == ["2026-03-08"], "publish updated the asset"


def test_the_real_report_page_shows_its_charts_in_chromium(through_airflow, tmp_path):
    settings, result = through_airflow
    assert result.returncode == 0
    assert_charts_drawn(screenshot(settings.reports_dir / "2026-03-08" / "index.html", tmp_path / "shot.png",
                                   height=2300))


def test_the_custom_report_dag_stores_an_admins_report(through_airflow, airflow_home):  # noqa: F811
    settings, result = through_airflow
    assert result.returncode == 0
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    admin = con.execute("select min(user_id) from core.dim_users where role = 'admin'").fetchone()[0]
    con.close()
    conf = {"report_type": "custom", "date_from": "2026-03-04", "date_to": "2026-03-08", "generated_by": admin}
    report = run_airflow(airflow_home, "dags", "test", "parking_custom_report", "-c", json.dumps(conf),
                         settings=settings)
    assert report.returncode == 0, (report.stdout + report.stderr)[-5000:]
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        row = con.execute("select generated_by, data from marts.analytics_reports where report_type = 'custom'").fetchone()
    finally:
        con.close()
    assert row[0] == admin
    assert json.loads(row[1])["revenue_report"]["period"] == {"from": "2026-03-04", "to": "2026-03-08"}


def test_a_backfill_gives_the_same_outputs_as_separate_single_day_runs(backfilled, through_airflow,
                                                                        tmp_path_factory, source):
    backfilled = backfilled[0]
    singles = {DAYS[-1]: through_airflow[0]}
    for day in DAYS[:-1]:
        singles[day] = _settings(tmp_path_factory.mktemp(f"single_{day}"), source)
        run_daily(singles[day], run_date=day)
    for day in DAYS:
        for name in OUTPUT_NAMES:
            backfill_file = backfilled.reports_dir / day.isoformat() / f"{name}.json"
            single_file = singles[day].reports_dir / day.isoformat() / f"{name}.json"
            assert backfill_file.read_bytes() == single_file.read_bytes(), f"{day} {name}"
    con = duckdb.connect(str(backfilled.warehouse), read_only=True)
    try:
        assert con.execute("select run_date::varchar from marts.system_metrics order by 1").fetchall() == [
            (str(day),) for day in DAYS]
    finally:
        con.close()


def test_a_reader_in_a_loop_during_a_whole_run_sees_only_complete_validated_states(backfilled):
    settings, seen, before = backfilled
    assert seen["errors"] == []  # no lock error, no missing table, no half-written state
    published = {record["sha256"] for record in publish.read_log(settings.warehouse)["versions"]}
    assert set(seen["states"]) <= published, "every state read is byte-identical to a publication"
    after = publish.current_publication(settings.warehouse)["sha256"]
    assert before in seen["states"] and after in seen["states"], "it read before and after the publish"
    assert seen["opened"] > 20
    print(f"reader: {seen['opened']} opens, {len(seen['states'])} states, {seen['raced']} raced a publish")


def test_a_run_whose_marts_validation_fails_leaves_the_published_warehouse_byte_identical(
        backfilled, monkeypatch):
    from parking_warehouse import transform

    backfilled = backfilled[0]
    real_build = transform.build_models

    def build_then_break(warehouse, **kwargs):
        result = real_build(warehouse, **kwargs)
        con = duckdb.connect(str(warehouse))
        con.execute("update marts.dashboard_summary set occupancy_rate = 150")  # GX: 0..100
        con.close()
        return result

    monkeypatch.setattr(transform, "build_models", build_then_break)
    before = backfilled.warehouse.read_bytes()
    log_before = publish.read_log(backfilled.warehouse)
    report_before = (backfilled.reports_dir / "2026-03-08" / "dashboard_summary.json").read_bytes()
    with pytest.raises(ParkingWarehouseError, match="marts"):
        run_daily(backfilled, run_date=DAYS[-1], run_id="broken")
    assert backfilled.warehouse.read_bytes() == before
    assert publish.read_log(backfilled.warehouse) == log_before
    assert (backfilled.reports_dir / "2026-03-08" / "dashboard_summary.json").read_bytes() == report_before
    health = json.loads((backfilled.reports_dir / "health.json").read_text())
    assert health["status"] == "failing" and health["failed_run"]["step"] == "validate_marts"
    assert health["failed_run"]["data_quality"]["blocking_failed"] >= 1
    assert not list(publish.warehouse_paths(backfilled.warehouse).building_dir.iterdir())


def test_a_second_run_is_refused_while_one_runs(backfilled):
    backfilled = backfilled[0]
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from parking_warehouse import publish
        with publish.run_lock({str(backfilled.warehouse)!r}, run_id="nightly"):
            print("locked", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = backfilled.warehouse.read_bytes()
        with pytest.raises(ParkingWarehouseError, match="another pipeline run .* run nightly"):
            run_daily(replace(backfilled), run_date=DAYS[-1])
        assert backfilled.warehouse.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
