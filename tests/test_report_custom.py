"""Custom reports: admins only, a forward period the warehouse covers, stored and published.

Each test works on its own copy of the session's real warehouse (conftest.py `built`: 2026-02-27
to 03-01, users with the roles admin, staff and user from the generated source).
"""

from __future__ import annotations

import json
from datetime import date

import pytest
from pipeline_support import (
    DAYS,
    LAST,
    copy_built,
    daily_run_id,
    make_settings,
    query,
    user_ids_by_role,
)

from parking_warehouse import publish
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.reports import generate_custom_report

FIRST = DAYS[0]


@pytest.fixture
def settings(built, tmp_path):
    return copy_built(built.settings, tmp_path)


@pytest.fixture
def users(built) -> dict[str, int]:
    users = user_ids_by_role(built.settings)
    assert set(users) == {"admin", "staff", "user"}
    return users


def _reports(settings) -> list[tuple]:
    return query(settings, "select id, report_type, period_from::varchar, period_to::varchar, generated_by "
                           "from marts.analytics_reports order by id")


def test_an_admin_gets_a_custom_report_stored_and_published(settings, users):
    admin = users["admin"]
    report = generate_custom_report(settings, report_type="custom", date_from=FIRST, date_to=LAST,
                                    generated_by=admin)
    assert report.title == "Custom report 2026-02-27 to 2026-03-01"
    assert _reports(settings)[-1] == (6, "custom", "2026-02-27", "2026-03-01", admin)
    data = json.loads(report.path.read_text())
    assert report.path == settings.reports_dir / "reports" / "custom_2026-02-27_2026-03-01.json"
    assert (data["id"], data["generated_by"]) == (6, admin)
    revenue = data["data"]["revenue_report"]
    assert revenue["period"] == {"from": "2026-02-27", "to": "2026-03-01"}
    metrics = data["data"]["system_metrics"]
    assert [m["run_date"] for m in metrics] == [d.isoformat() for d in DAYS]
    # The period's revenue is the days' revenues (the source has no payments outside them).
    assert revenue["total_revenue"] > 0
    assert revenue["total_revenue"] == pytest.approx(sum(m["daily_revenue"] for m in metrics))
    stored = json.loads(query(settings, "select data from marts.analytics_reports where id = 6")[0][0])
    assert stored == data["data"]
    current = publish.current_publication(settings.warehouse)
    assert current["run_date"] == "2026-03-01" and current["data_run_id"] == daily_run_id(LAST)
    assert current["run_id"].startswith("report_custom_")
    again = generate_custom_report(settings, report_type="custom", date_from=FIRST, date_to=LAST,
                                   generated_by=admin)
    assert again.report_id == report.report_id
    assert [r for r in _reports(settings) if r[1] == "custom"] == [(6, "custom", "2026-02-27", "2026-03-01", admin)]


@pytest.mark.parametrize("role", ["staff", "user"])
def test_a_non_admin_is_refused_and_nothing_changes(settings, users, role):
    before = settings.warehouse.read_bytes()
    user = users[role]
    with pytest.raises(ParkingWarehouseError, match=f"user {user} has role '{role}': only a user with role 'admin'"):
        generate_custom_report(settings, date_from=FIRST, date_to=LAST, generated_by=user)
    assert settings.warehouse.read_bytes() == before
    assert not (settings.reports_dir / "reports").exists()


def test_an_unknown_user_is_refused(settings):
    (unknown,) = query(settings, "select max(user_id) + 1 from core.dim_users")[0]
    with pytest.raises(ParkingWarehouseError, match=f"user {unknown} .* is not a user in the warehouse"):
        generate_custom_report(settings, date_from=FIRST, date_to=LAST, generated_by=unknown)


def test_a_backwards_period_is_refused(settings, users):
    with pytest.raises(ParkingWarehouseError, match="date_from 2026-03-01 is after date_to 2026-02-27"):
        generate_custom_report(settings, date_from=LAST, date_to=FIRST, generated_by=users["admin"])


def test_a_period_beyond_the_published_data_is_refused(settings, users):
    with pytest.raises(ParkingWarehouseError, match="after 2026-03-01, the last day the published warehouse holds"):
        generate_custom_report(settings, date_from=FIRST, date_to=date(2026, 3, 2), generated_by=users["admin"])


def test_no_report_before_the_first_publication(tmp_path):
    settings = make_settings(tmp_path)
    with pytest.raises(ParkingWarehouseError, match="no published warehouse"):
        generate_custom_report(settings, date_from=FIRST, date_to=LAST, generated_by=1)


def test_the_cli_prints_the_refusal_on_one_line(settings, users, capsys, monkeypatch):
    from parking_warehouse.cli import main

    for variable, value in {"PARKING_WAREHOUSE": str(settings.warehouse),
                            "PARKING_REPORTS_DIR": str(settings.reports_dir),
                            "PARKING_TIMEZONE": settings.timezone}.items():
        monkeypatch.setenv(variable, value)
    assert main(["report", "--from", "2026-02-27", "--to", "2026-03-01", "--generated-by", str(users["staff"])]) == 1
    error = capsys.readouterr().err
    assert error.count("\n") == 1 and "only a user with role 'admin'" in error
    assert main(["report", "--type", "weekly", "--from", "2026-02-23", "--to", "2026-03-01",
                 "--generated-by", str(users["admin"])]) == 0
    assert "Weekly report 2026-W09" in capsys.readouterr().out
    # The scheduled weekly report of the same period is replaced (same id), now as asked by the admin.
    assert [r for r in _reports(settings) if r[1] == "weekly"] == [
        (5, "weekly", "2026-02-23", "2026-03-01", users["admin"])]
