"""Custom reports: admins only, a forward period the warehouse covers, stored and published."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest
from test_pipeline_fakes import install_fake_steps, make_settings

from parking_warehouse import publish
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.pipeline import run_daily
from parking_warehouse.reports import generate_custom_report

ADMIN, STAFF, USER = 1, 2, 3  # core.dim_users of the stand-in build


@pytest.fixture
def settings(tmp_path, monkeypatch):
    install_fake_steps(monkeypatch)
    settings = make_settings(tmp_path)
    run_daily(settings, run_date=date(2026, 3, 10), run_id="daily-10")
    return settings


def _reports(settings) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute("select id, report_type, period_from::varchar, period_to::varchar, generated_by "
                           "from marts.analytics_reports order by id").fetchall()
    finally:
        con.close()


def test_an_admin_gets_a_custom_report_stored_and_published(settings):
    report = generate_custom_report(settings, report_type="custom", date_from=date(2026, 3, 1),
                                    date_to=date(2026, 3, 10), generated_by=ADMIN)
    assert report.title == "Custom report 2026-03-01 to 2026-03-10"
    assert (2, "custom", "2026-03-01", "2026-03-10", ADMIN) in _reports(settings)
    data = json.loads(report.path.read_text())
    assert data["data"]["revenue_report"]["period"] == {"from": "2026-03-01", "to": "2026-03-10"}
    assert [m["run_date"] for m in data["data"]["system_metrics"]] == ["2026-03-10"]
    current = publish.current_publication(settings.warehouse)
    assert current["run_date"] == "2026-03-10" and current["data_run_id"] == "daily-10"
    again = generate_custom_report(settings, report_type="custom", date_from=date(2026, 3, 1),
                                   date_to=date(2026, 3, 10), generated_by=ADMIN)
    assert again.report_id == report.report_id
    assert [r for r in _reports(settings) if r[1] == "custom"] == [(2, "custom", "2026-03-01", "2026-03-10", ADMIN)]


@pytest.mark.parametrize("user, role", [(STAFF, "staff"), (USER, "user")])
def test_a_non_admin_is_refused_and_nothing_changes(settings, user, role):
    before = settings.warehouse.read_bytes()
    with pytest.raises(ParkingWarehouseError, match=f"user {user} has role '{role}': only a user with role 'admin'"):
        generate_custom_report(settings, date_from=date(2026, 3, 1), date_to=date(2026, 3, 10), generated_by=user)
    assert settings.warehouse.read_bytes() == before


def test_an_unknown_user_is_refused(settings):
    with pytest.raises(ParkingWarehouseError, match="user 99 .* is not a user in the warehouse"):
        generate_custom_report(settings, date_from=date(2026, 3, 1), date_to=date(2026, 3, 10), generated_by=99)


def test_a_backwards_period_is_refused(settings):
    with pytest.raises(ParkingWarehouseError, match="date_from 2026-03-10 is after date_to 2026-03-01"):
        generate_custom_report(settings, date_from=date(2026, 3, 10), date_to=date(2026, 3, 1), generated_by=ADMIN)


def test_a_period_beyond_the_published_data_is_refused(settings):
    with pytest.raises(ParkingWarehouseError, match="after 2026-03-10, the last day the published warehouse holds"):
        generate_custom_report(settings, date_from=date(2026, 3, 1), date_to=date(2026, 3, 11), generated_by=ADMIN)


def test_no_report_before_the_first_publication(tmp_path):
    settings = make_settings(tmp_path)
    with pytest.raises(ParkingWarehouseError, match="no published warehouse"):
        generate_custom_report(settings, date_from=date(2026, 3, 1), date_to=date(2026, 3, 2), generated_by=ADMIN)


def test_the_cli_prints_the_refusal_on_one_line(settings, capsys, monkeypatch):
    from parking_warehouse.cli import main

    for variable, value in {"PARKING_WAREHOUSE": str(settings.warehouse),
                            "PARKING_REPORTS_DIR": str(settings.reports_dir),
                            "PARKING_TIMEZONE": settings.timezone}.items():
        monkeypatch.setenv(variable, value)
    assert main(["report", "--from", "2026-03-01", "--to", "2026-03-10", "--generated-by", str(STAFF)]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "only a user with role 'admin'" in error
    assert main(["report", "--type", "weekly", "--from", "2026-03-04", "--to", "2026-03-10",
                 "--generated-by", str(ADMIN)]) == 0
    assert "Weekly report 2026-W11" in capsys.readouterr().out
