"""The DAG files: they import cleanly and are wired as issue 7 says (thin, no I/O at import)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from pipeline_support import airflow_env, copy_built, run_airflow, user_ids_by_role

from parking_warehouse import REPO_ROOT

DESCRIBE = textwrap.dedent("""
    import json
    from airflow.dag_processing.dagbag import DagBag
    bag = DagBag(dag_folder=%r)
    daily, custom = bag.dags.get("parking_daily"), bag.dags.get("parking_custom_report")
    extract = daily.get_task("extract")
    print(json.dumps({
        "import_errors": bag.import_errors,
        "dags": sorted(bag.dags),
        "tasks": [t.task_id for t in daily.topological_sort()] if hasattr(daily, "topological_sort")
                 else sorted(daily.task_ids),
        "downstream": {t.task_id: sorted(t.downstream_task_ids) for t in daily.tasks},
        "timetable": type(daily.timetable).__name__,
        "expression": daily.timetable.expression,
        "timezone": str(daily.timetable.timezone),
        "start_date": daily.start_date.isoformat(),
        "catchup": daily.catchup,
        "max_active_runs": daily.max_active_runs,
        "extract": [extract.retries, extract.retry_exponential_backoff],
        "outlets": [o.uri for o in daily.get_task("publish").outlets],
        "custom_schedule": repr(custom.timetable),
        "custom_params": {k: custom.params.get_param(k).schema for k in custom.params},
    }))
""") % str(REPO_ROOT / "dags")


def test_both_dags_import_without_errors_and_are_wired_as_specified(tmp_path):
    env = airflow_env(tmp_path / "airflow", PARKING_TIMEZONE="America/New_York",
                      PARKING_WAREHOUSE=str(tmp_path / "wh.duckdb"), PARKING_START_DATE="2026-02-15")
    result = subprocess.run([sys.executable, "-c", DESCRIBE], env=env, capture_output=True, text=True,
                            timeout=300, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    described = json.loads(result.stdout.strip().splitlines()[-1])
    assert described["import_errors"] == {}
    assert described["dags"] == ["parking_custom_report", "parking_daily"]
    assert described["downstream"] == {
        "extract": ["validate_raw"], "validate_raw": ["build"], "build": ["validate_marts"],
        "validate_marts": ["publish"], "publish": ["materialise_reports"], "materialise_reports": []}
    assert (described["timetable"], described["expression"], described["timezone"]) == (
        "CronDataIntervalTimetable", "0 0 * * *", "America/New_York")
    assert datetime.fromisoformat(described["start_date"]) == datetime(  # Settings.start_date
        2026, 2, 15, tzinfo=ZoneInfo("America/New_York"))
    assert described["catchup"] is True and described["max_active_runs"] == 1
    assert described["extract"][0] >= 3 and described["extract"][1] >= 2
    assert described["outlets"] == [(tmp_path / "wh.duckdb").as_uri()]
    assert set(described["custom_params"]) == {"report_type", "date_from", "date_to", "generated_by"}
    assert described["custom_params"]["date_from"]["format"] == "date"
    assert described["custom_params"]["report_type"]["enum"] == ["custom", "weekly", "monthly", "daily"]


def test_the_dag_files_do_no_work_at_import():
    for path in (REPO_ROOT / "dags").glob("*.py"):
        text = path.read_text()
        assert len(text.splitlines()) < 100, path
        for call in ("duckdb.connect", "open(", "subprocess", "run_daily(", "read_text", "requests"):
            assert call not in text, f"{path.name} does {call} at import"


@pytest.fixture
def published(built, tmp_path):
    """A copy of the session's real warehouse (published by run_daily for 2026-02-27..03-01)."""
    return copy_built(built.settings, tmp_path)


@pytest.mark.slow
@pytest.mark.parametrize("conf, message", [
    ({"date_from": "2026-02-27", "date_to": "2026-03-01", "generated_by": "staff"},
     "user {staff} has role 'staff': only a user with role 'admin' may generate a report"),
    ({"date_from": "2026-03-01", "date_to": "2026-02-27", "generated_by": "admin"},
     "date_from 2026-03-01 is after date_to 2026-02-27"),
])
def test_the_custom_report_dag_refuses_with_a_clear_message(published, airflow_home, conf, message):
    users = user_ids_by_role(published)
    conf = conf | {"generated_by": users[conf["generated_by"]]}
    message = message.format(**users)
    before = published.warehouse.read_bytes()
    result = run_airflow(airflow_home, "dags", "test", "parking_custom_report", "-c", json.dumps(conf),
                         settings=published)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "DagRun failed" in output
    assert message in output
    assert published.warehouse.read_bytes() == before
    assert not (published.reports_dir / "reports").exists()


INJECTION = "2026-03-01'; drop table marts.analytics_reports; --"


@pytest.mark.slow
@pytest.mark.parametrize("conf, message", [
    ({"date_from": "March 1st"}, "Invalid input for param date_from: 'March 1st' is not a 'date'"),
    ({"date_to": INJECTION}, f"Invalid input for param date_to: \"{INJECTION}\" is not a 'date'"),
    ({"report_type": "custom' or 1=1 --"},
     "Invalid input for param report_type: \"custom' or 1=1 --\" is not one of"),
    ({"generated_by": "1 or 1=1"}, "Invalid input for param generated_by: '1 or 1=1' is not of type 'integer'"),
], ids=["not-a-date", "sql-in-date", "sql-in-report-type", "sql-in-user-id"])
def test_the_custom_report_dag_validates_its_params(published, airflow_home, conf, message):
    """Params are checked by Airflow before the task runs: a bad or hostile value is refused
    with its name, and nothing is written."""
    before = published.warehouse.read_bytes()
    conf = {"date_from": "2026-02-27", "date_to": "2026-03-01", "generated_by": 1} | conf
    result = run_airflow(airflow_home, "dags", "test", "parking_custom_report", "-c", json.dumps(conf),
                         settings=published)
    assert result.returncode != 0
    assert message in result.stdout + result.stderr
    assert published.warehouse.read_bytes() == before
    assert not (published.reports_dir / "reports").exists()
