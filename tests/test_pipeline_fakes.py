"""Stand-ins for the other steps (extract, GX, dbt, outputs), for the unit tests of the
orchestration, publishing and report files: they write a small, valid-looking warehouse fast.

`install_fake_steps(monkeypatch)` puts them where the pipeline imports the real ones from.
No tests here; the module is shared by tests/test_publish*.py, test_pipeline*.py, test_report*.py.
"""

from __future__ import annotations

import sys
import types
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb

from parking_warehouse.errors import ParkingWarehouseError


def sample_outputs(revenue_today: float = 123.5) -> dict:
    """The nine outputs, shaped as analytics-spec.md says, with obvious values."""
    return {
        "dashboard_summary": {
            "total_slots": 80, "occupied_slots": 30, "available_slots": 50, "occupancy_rate": 37.5,
            "active_sessions": 31, "completed_sessions": 120, "revenue_today": revenue_today,
            "users_today": 95,
        },
        "zone_occupancy": [
            {"zone_id": 1, "zone_name": "Center", "total_slots": 20, "occupied_slots": 18,
             "available_slots": 2, "occupancy_rate": 90.0, "active_sessions": 18},
            {"zone_id": 2, "zone_name": "Harbour", "total_slots": 20, "occupied_slots": 12,
             "available_slots": 8, "occupancy_rate": 60.0, "active_sessions": 13},
            {"zone_id": 3, "zone_name": "Station", "total_slots": 40, "occupied_slots": 0,
             "available_slots": 40, "occupancy_rate": 0.0, "active_sessions": 0},
        ],
        "revenue_report": {
            "period": {"from": "2026-03-08", "to": "2026-03-08"}, "total_revenue": revenue_today,
            "by_payment_method": [{"payment_method": "online", "amount": 100.0, "count": 40},
                                  {"payment_method": "cash", "amount": 23.5, "count": 9}],
            "by_zone": [{"slot__zone__name": "Center", "revenue": 80.0},
                        {"slot__zone__name": "Harbour", "revenue": 43.5}],
            "transaction_count": 49,
        },
        "peak_hours": {
            "period": {"from": "2026-02-07", "to": "2026-03-08"}, "days": 30,
            "hourly_breakdown": [{"hour": h, "entries": [2, 1, 0, 0, 1, 3, 10, 25, 40, 38, 30, 28, 35,
                                                         33, 29, 31, 37, 45, 30, 20, 12, 8, 5, 3][h]}
                                 for h in range(24)],
            "peak_hours": [{"hour": 17, "entries": 45}, {"hour": 8, "entries": 40},
                           {"hour": 9, "entries": 38}, {"hour": 16, "entries": 37},
                           {"hour": 12, "entries": 35}],
        },
        "active_sessions": [
            {"session_id": 7, "vehicle_number": "B-AB 123", "vehicle_type": "car", "owner_id": 3,
             "zone_id": 1, "zone_name": "Center", "slot_id": 4, "slot_number": "A4",
             "entry_time": "2026-03-08T21:00:00+01:00", "duration_hours": 3.0},
        ],
        "completed_sessions": [
            {"session_id": 6, "vehicle_number": "B-CD 9", "owner_id": None, "zone_name": "Harbour",
             "slot_number": "H1", "entry_time": "2026-03-08T09:00:00+01:00",
             "exit_time": "2026-03-08T11:00:00+01:00", "duration_hours": 2.0, "amount": 5.0,
             "payment_status": "completed", "payment_method": "cash"},
        ],
        "vehicle_analytics": [
            {"vehicle_number": "B-AB 123", "vehicle_type": "car", "owner_id": 3, "total_visits": 2,
             "total_expenses": 10.0, "average_session_cost": 5.0, "preferred_zone": "Center",
             "payment_methods": {"cash": {"count": 0, "amount": 0.0}, "online": {"count": 2, "amount": 10.0}},
             "first_visit": "2026-03-01T09:00:00+01:00", "last_visit": "2026-03-08T21:00:00+01:00"},
        ],
        "payment_analytics": {
            "total_revenue": 900.0, "transaction_count": 300, "average_payment": 3.0,
            "by_method": [{"payment_method": "online", "amount": 600.0, "count": 200},
                          {"payment_method": "cash", "amount": 300.0, "count": 100}],
            "by_status": [{"status": "completed", "count": 300, "amount": 900.0}],
            "recent_transactions": [],
        },
        "slot_usage": [
            {"slot_id": 4, "slot_number": "A4", "zone_id": 1, "zone_name": "Center", "slot_type": "regular",
             "total_sessions": 12, "revenue": 60.0, "is_occupied": True, "usage_rank": 1},
        ],
    }


def sample_trend(run_date: date, days: int = 10) -> list[dict]:
    rates = [30.0, 45.0, 55.0, 62.5, 81.0, 90.0, 70.0, 50.0, 40.0, 37.5]
    return [
        {"run_date": (run_date - timedelta(days=days - 1 - i)).isoformat(),
         "timestamp": "", "total_slots": 80, "occupied_slots": int(rates[i % 10] * 0.8),
         "available_slots": 80 - int(rates[i % 10] * 0.8), "occupancy_rate": rates[i % 10],
         "daily_revenue": 100.0 + 10 * i, "active_sessions": 30,
         "occupancy_status": "critical" if rates[i % 10] > 80 else "warning" if rates[i % 10] >= 50 else "normal"}
        for i in range(days)
    ]


class FakeSteps:
    """Records calls; `fail_marts=True` makes the marts validation fail like GX would."""

    def __init__(self):
        self.fail_marts = False
        self.calls: list[str] = []
        self.revenue = 123.5

    # extract.extract_to_raw
    def extract_to_raw(self, source, warehouse, *, full_refresh=False, lookback_minutes=None, run_id=None):
        self.calls.append("extract")
        con = duckdb.connect(str(warehouse))
        con.execute("create schema if not exists raw")
        con.execute("create table if not exists raw.loads (run_id varchar, loaded_at timestamptz)")
        con.execute("insert into raw.loads values (?, now())", [run_id])
        con.close()
        return [run_id]

    def format_load_report(self, loads):
        return f"loaded {loads}"

    # expectations.validate_warehouse
    def validate_warehouse(self, warehouse, *, suite, run_id=None, data_docs_dir=None):
        self.calls.append(f"validate_{suite}")
        success = not (suite == "marts" and self.fail_marts)
        con = duckdb.connect(str(warehouse))
        con.execute("create schema if not exists audit")
        con.execute("create table if not exists audit.dq_results (run_id varchar, suite varchar, "
                    "expectation varchar, severity varchar, success boolean)")
        con.execute("insert into audit.dq_results values (?, ?, 'expect_rows', 'blocking', ?)",
                    [run_id, suite, success])
        con.close()
        if not success:
            raise self.DataQualityError(f"suite marts: 1 blocking expectation failed (run {run_id})")
        return f"suite {suite}: ok"

    class DataQualityError(ParkingWarehouseError):
        pass

    # parking_warehouse.transform.build_models
    def build_models(self, warehouse, *, run_date, timezone, full_refresh=False):
        self.calls.append("build")
        con = duckdb.connect(str(warehouse))
        con.execute("create schema if not exists marts")
        con.execute("create schema if not exists core")
        con.execute("create or replace table core.dim_users as select * from (values "
                    "(1, 'admin'), (2, 'staff'), (3, 'user')) t(user_id, role)")
        con.execute("create table if not exists marts.system_metrics (run_date date, timestamp varchar, "
                    "total_slots integer, occupied_slots integer, available_slots integer, "
                    "occupancy_rate double, daily_revenue decimal(12,2), active_sessions integer, "
                    "occupancy_status varchar)")
        con.execute("delete from marts.system_metrics where run_date = ?", [run_date])
        as_of = datetime.combine(run_date + timedelta(days=1), datetime.min.time(), tzinfo=ZoneInfo(timezone))
        con.execute("insert into marts.system_metrics values (?, ?, 80, 30, 50, 37.5, ?, 31, 'normal')",
                    [run_date, as_of.isoformat(), self.revenue])
        con.execute("create or replace table marts.built_for as select ?::date as run_date", [run_date])
        con.execute("create or replace table marts.source_freshness as select * from (values "
                    "('backend_core_parkingsession', 500, '2026-03-08T23:50:00+01:00', 0.17)) "
                    "t(table_name, row_count, newest_updated_at, lag_hours)")
        con.execute("create or replace table marts.quarantine_summary as select * from (values "
                    "('backend_core_payment', 'negative amount', 2)) t(table_name, reason, row_count)")
        con.close()
        return f"built for {run_date}"

    def generate_dbt_docs(self, warehouse, out_dir, *, run_date, timezone):
        self.calls.append("dbt_docs")
        out_dir.mkdir(parents=True, exist_ok=True)
        (out_dir / "index.html").write_text("<p>dbt docs</p>")
        return out_dir / "index.html"

    # parking_warehouse.reports.outputs
    def build_outputs(self, con, *, timezone):
        revenue = float(con.execute("select daily_revenue from marts.system_metrics "
                                    "order by run_date desc limit 1").fetchone()[0])
        return sample_outputs(revenue)

    def revenue_report(self, con, date_from, date_to, *, timezone):
        return {"period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
                "total_revenue": self.revenue, "by_payment_method": [], "by_zone": [],
                "transaction_count": 1}


def install_fake_steps(monkeypatch) -> FakeSteps:
    fake = FakeSteps()
    modules = {
        "extract": {"extract_to_raw": fake.extract_to_raw, "format_load_report": fake.format_load_report},
        "expectations": {"validate_warehouse": fake.validate_warehouse,
                         "DataQualityError": FakeSteps.DataQualityError},
        "parking_warehouse.transform": {"build_models": fake.build_models},
        "parking_warehouse.reports.outputs": {"build_outputs": fake.build_outputs,
                                              "revenue_report": fake.revenue_report},
    }
    monkeypatch.setattr("parking_warehouse.reports.dbt_docs.generate_dbt_docs", fake.generate_dbt_docs)
    for name, attributes in modules.items():
        module = types.ModuleType(name)
        module.__dict__.update(attributes)
        monkeypatch.setitem(sys.modules, name, module)
    return fake


def make_settings(tmp_path: Path, timezone: str = "Europe/Berlin"):
    from parking_warehouse.config import Settings

    tmp_path.mkdir(parents=True, exist_ok=True)
    source = tmp_path / "source.sqlite3"
    source.touch()
    return Settings(timezone=timezone, source=str(source), warehouse=tmp_path / "wh" / "warehouse.duckdb",
                    reports_dir=tmp_path / "reports")


# --------------------------------------------------------------------------- Airflow in a subprocess

import os
import subprocess

import pytest

from parking_warehouse import REPO_ROOT


def airflow_env(airflow_home: Path, settings=None, **extra: str) -> dict[str, str]:
    """The environment of an Airflow command run by a test: its own home, our dags/, no examples."""
    env = dict(os.environ) | {
        "AIRFLOW_HOME": str(airflow_home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(REPO_ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__UNIT_TEST_MODE": "False",
    }
    if settings is not None:
        env |= {"PARKING_TIMEZONE": settings.timezone, "PARKING_SOURCE": str(settings.source or ""),
                "PARKING_WAREHOUSE": str(settings.warehouse), "PARKING_REPORTS_DIR": str(settings.reports_dir)}
    return env | extra


def run_airflow(airflow_home: Path, *args: str, settings=None, timeout: int = 600, **extra: str):
    return subprocess.run([sys.executable, "-m", "airflow", *args], env=airflow_env(airflow_home, settings, **extra),
                          capture_output=True, text=True, timeout=timeout, check=False)


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory) -> Path:
    """An Airflow home with a migrated SQLite metadata database, shared by the session's tests."""
    home = tmp_path_factory.mktemp("airflow_home")
    result = run_airflow(home, "db", "migrate")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return home
