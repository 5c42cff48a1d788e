"""The daily run through Airflow, backfill against single-day runs, readers during a run, and a
second run against a held lock, on the session's small generated source (conftest.py).

Slow: `airflow dags test` runs the real DAG (extract, GX, dbt, publish, reports) in a subprocess.
The backfill is the session's `built` warehouse (2026-02-27, -28, 03-01 in order); `rerun` ran
03-01 again on a copy of it with a reader process watching the published file.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from pipeline_support import DAYS, LAST, TZ, copy_built, make_settings, query, run_airflow
from test_report_html import assert_charts_drawn, screenshot

from parking_warehouse import publish
from parking_warehouse.config import Settings
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.pipeline import run_daily
from parking_warehouse.reports.materialise import REPORT_OUTPUT_NAMES

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def through_airflow(tmp_path_factory, small_source: Path,
                    airflow_home: Path) -> tuple[Settings, subprocess.CompletedProcess]:
    """`airflow dags test parking_daily` for the last day, on a fresh warehouse."""
    settings = make_settings(tmp_path_factory.mktemp("airflow_run"), small_source)
    started = time.perf_counter()
    result = run_airflow(airflow_home, "dags", "test", "parking_daily", "2026-03-02T00:00:00+01:00",
                         settings=settings)
    print(f"airflow dags test parking_daily: {time.perf_counter() - started:.1f} s")
    return settings, result


def test_airflow_dags_test_runs_the_daily_dag_end_to_end_and_publishes(through_airflow, airflow_home):
    settings, result = through_airflow
    assert result.returncode == 0, (result.stdout + result.stderr)[-5000:]
    current = publish.current_publication(settings.warehouse)
    assert current["run_date"] == "2026-03-01" and current["run_id"].startswith("manual__")
    assert current["sha256"] == publish.sha256_file(settings.warehouse)
    folder = settings.reports_dir / "2026-03-01"
    expected = {f"{name}.json" for name in REPORT_OUTPUT_NAMES} | {"health.json", "manifest.json", "index.html"}
    assert expected <= {p.name for p in folder.iterdir()}
    manifest = json.loads((folder / "manifest.json").read_text())
    assert (manifest["run_date"], manifest["as_of"], manifest["timezone"]) == (
        "2026-03-01", "2026-03-02T00:00:00+01:00", TZ)
    assert manifest["run_id"] == current["run_id"]
    health = json.loads((folder / "health.json").read_text())
    assert health["status"] in ("ok", "degraded") and health["data_quality"]["blocking_failed"] == 0
    assert health["data_quality"]["checks"] > 0
    assert {row["table_name"] for row in health["source_tables"]} >= {"backend_core_parkingsession"}
    dashboard = json.loads((folder / "dashboard_summary.json").read_text())
    assert dashboard["total_slots"] == 8
    assert query(settings, "select report_type, period_from::varchar from marts.analytics_reports order by id") \
        == [("daily", "2026-03-01"), ("weekly", "2026-02-23")]
    assert (settings.reports_dir / "dbt_docs" / "index.html").exists()
    assert (settings.reports_dir / "data_docs" / "index.html").exists()
    events = sqlite3.connect(airflow_home / "airflow.db").execute(
        "select e.extra from asset_event e join asset a on a.id = e.asset_id where a.uri = ?",
        [settings.warehouse.as_uri()]).fetchall()
    assert [json.loads(extra)["run_date"] for (extra,) in events] == ["2026-03-01"], "publish updated the asset"


def test_the_real_report_page_shows_its_charts_in_chromium(through_airflow, tmp_path):
    settings, result = through_airflow
    assert result.returncode == 0
    assert_charts_drawn(screenshot(settings.reports_dir / "2026-03-01" / "index.html", tmp_path / "shot.png",
                                   height=2300))


def test_the_custom_report_dag_stores_an_admins_report(through_airflow, airflow_home):
    settings, result = through_airflow
    assert result.returncode == 0
    admin = query(settings, "select min(user_id) from core.dim_users where role = 'admin'")[0][0]
    conf = {"report_type": "custom", "date_from": "2026-02-27", "date_to": "2026-03-01", "generated_by": admin}
    report = run_airflow(airflow_home, "dags", "test", "parking_custom_report", "-c", json.dumps(conf),
                         settings=settings)
    assert report.returncode == 0, (report.stdout + report.stderr)[-5000:]
    row = query(settings, "select generated_by, data from marts.analytics_reports where report_type = 'custom'")
    assert len(row) == 1 and row[0][0] == admin
    assert json.loads(row[0][1])["revenue_report"]["period"] == {"from": "2026-02-27", "to": "2026-03-01"}
    assert (settings.reports_dir / "reports" / "custom_2026-02-27_2026-03-01.json").exists()


def test_a_backfill_gives_the_same_outputs_as_separate_single_day_runs(built, through_airflow, tmp_path):
    """The backfill's first day ran on a fresh warehouse, so it is a single-day run already; the
    others are compared with a fresh run of 02-28 here and the Airflow run of 03-01."""
    singles = {DAYS[1]: make_settings(tmp_path / "single", built.settings.source), LAST: through_airflow[0]}
    run_daily(singles[DAYS[1]], run_date=DAYS[1])
    for day, single in singles.items():
        for name in REPORT_OUTPUT_NAMES:
            backfill_file = built.settings.reports_dir / day.isoformat() / f"{name}.json"
            single_file = single.reports_dir / day.isoformat() / f"{name}.json"
            assert backfill_file.read_bytes() == single_file.read_bytes(), f"{day} {name}"
    assert query(built.settings, "select run_date::varchar from marts.system_metrics order by 1") == [
        (day.isoformat(),) for day in DAYS]
    assert query(singles[DAYS[1]].warehouse, "select run_date::varchar from marts.system_metrics") == [
        ("2026-02-28",)]


def test_a_reader_in_a_loop_during_a_whole_run_sees_only_complete_validated_states(rerun):
    seen = rerun.seen
    assert seen["errors"] == []  # no lock error, no missing table, no half-written state
    published = {record["sha256"] for record in publish.read_log(rerun.settings.warehouse)["versions"]}
    assert set(seen["states"]) <= published, "every state read is byte-identical to a publication"
    after = publish.current_publication(rerun.settings.warehouse)["sha256"]
    assert after != rerun.published_before
    assert rerun.published_before in seen["states"] and after in seen["states"], "it read before and after"
    assert seen["opened"] > 20
    print(f"reader: {seen['opened']} opens, {len(seen['states'])} states, {seen['raced']} raced a publish")


def test_a_second_run_is_refused_while_one_runs(built, tmp_path):
    settings = copy_built(built.settings, tmp_path)
    holder = subprocess.Popen([sys.executable, "-c", textwrap.dedent(f"""
        import time
        from parking_warehouse import publish
        with publish.run_lock({str(settings.warehouse)!r}, run_id="nightly"):
            print("locked", flush=True)
            time.sleep(60)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        before = settings.warehouse.read_bytes()
        with pytest.raises(ParkingWarehouseError, match="another pipeline run .* run nightly"):
            run_daily(settings, run_date=LAST)
        assert settings.warehouse.read_bytes() == before
    finally:
        holder.kill()
        holder.wait()
