"""Apache Superset on the published warehouse, set up as `make bi` does (bi/superset.py).

One Superset for the module, on a free local port, over a copy of the session's built warehouse
rolled back one publication (D = 2026-02-28 published): its charts answer through the REST API,
the dashboard draws in headless Chromium, and a real pipeline run for 2026-03-01 is seen on the
next query with no restart.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest
import requests
from cdp import Browser
from pipeline_support import LAST, copy_built
from png import pixels_of, read_png

from bi import superset
from parking_warehouse import publish
from parking_warehouse.config import Settings
from parking_warehouse.reports.html import STATUS_COLOURS, occupancy_status

pytestmark = pytest.mark.slow

CHARTS = {
    "Figures for", "Occupancy", "Occupied slots", "Available slots", "Completed sessions",
    "Revenue of D", "Customers of D", "Zone occupancy", "Zones", "Revenue by day and method",
    "Revenue by method", "Revenue by zone", "Peak hours",
    # the operator KPIs
    "Occupancy through the day", "Busiest hours, last 4 weeks", "Utilization by day", "RevPAS by day",
}
DAY_BEFORE = date(2026, 2, 28)


@dataclass
class Running:
    settings: Settings
    bi: superset.SupersetSettings
    api: requests.Session
    server_pid: int

    def charts(self) -> dict[str, int]:
        """The dashboard's charts: name -> id."""
        answer = self.api.get(f"{self.bi.url}/api/v1/dashboard/{superset.DASHBOARD_SLUG}/charts", timeout=60)
        answer.raise_for_status()
        return {chart["slice_name"]: chart["id"] for chart in answer.json()["result"]}

    def chart_data(self, name: str) -> list[dict]:
        """The rows of a chart's (first) query, as its saved query context asks for them."""
        answer = self.api.get(f"{self.bi.url}/api/v1/chart/{self.charts()[name]}/data/", timeout=120)
        assert answer.status_code == 200, f"{name}: HTTP {answer.status_code} {answer.text[:1000]}"
        return answer.json()["result"][0]["data"]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def running(built, tmp_path_factory) -> Running:
    settings = copy_built(built.settings, tmp_path_factory.mktemp("bi"))
    publish.rollback(settings.warehouse, steps=1)  # D = 2026-02-28 is the published day
    bi = superset.SupersetSettings.resolve(settings, environ={}, port=str(free_port()))
    server = superset.set_up_and_start(bi)
    try:
        yield Running(settings, bi, superset.login(bi), server.pid)
    finally:
        superset.stop(server)


def published(settings: Settings, sql: str) -> list[tuple]:
    con = duckdb.connect(str(settings.warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def shown_day(epoch_ms: float) -> date:
    """A date column as Superset's chart data API returns it (milliseconds since the epoch)."""
    return datetime.fromtimestamp(epoch_ms / 1000, UTC).date()


def open_files_of(pid: int) -> list[str]:
    """The files held open by the server's process group (gunicorn's master and workers)."""
    group = os.getpgid(pid)
    held = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if os.getpgid(int(entry.name)) != group:
                continue
            held += [os.readlink(fd) for fd in (entry / "fd").iterdir()]
        except (ProcessLookupError, FileNotFoundError, PermissionError):
            continue
    return held


def test_the_bundle_registers_the_published_file_read_only_with_this_machines_path(running):
    answer = running.api.get(f"{running.bi.url}/api/v1/database/", timeout=60).json()["result"]
    assert [d["database_name"] for d in answer] == ["parking_warehouse"]
    database = running.api.get(f"{running.bi.url}/api/v1/database/{answer[0]['id']}/connection",
                                timeout=60).json()["result"]
    assert database["sqlalchemy_uri"] == f"duckdb:///{running.settings.warehouse}"
    assert '"read_only": true' in database["extra"]
    assert not database["allow_dml"]
    datasets = running.api.get(f"{running.bi.url}/api/v1/dataset/", params={"q": "(page_size:100)"},
                               timeout=60).json()["result"]
    assert {(d["schema"], d["table_name"]) for d in datasets} == {
        ("marts", "dashboard_summary"), ("marts", "zone_occupancy"), ("marts", "revenue_daily"),
        ("marts", "peak_hours"), ("marts", "zone_day_kpis"), ("marts", "weekday_hour_occupancy"),
        ("marts", "occupancy_timeline_local")}  # a virtual dataset: SQL over two marts


def test_exporting_the_imported_dashboard_gives_back_the_files_in_git(running, tmp_path):
    """make bi-export right after make bi changes nothing: the bundle round-trips."""
    superset.export_bundle(running.bi, running.api, bundle_dir=tmp_path / "export")
    exported = {p.relative_to(tmp_path / "export"): p.read_text() for p in (tmp_path / "export").rglob("*.yaml")}
    in_git = {p.relative_to(superset.BUNDLE_DIR): p.read_text() for p in superset.BUNDLE_DIR.rglob("*.yaml")}
    assert sorted(exported) == sorted(in_git)
    assert [name for name in in_git if exported[name] != in_git[name]] == []


def test_superset_reflects_the_column_types_of_the_published_file(running):
    """"Sync columns from source": Superset reflects the table through duckdb-engine (SQLAlchemy 1.4)."""
    datasets = running.api.get(f"{running.bi.url}/api/v1/dataset/", params={"q": "(page_size:100)"},
                               timeout=60).json()["result"]
    revenue = next(d["id"] for d in datasets if d["table_name"] == "revenue_daily")
    answer = running.api.put(f"{running.bi.url}/api/v1/dataset/{revenue}/refresh", timeout=120)
    assert answer.status_code == 200, answer.text[:1000]
    columns = running.api.get(f"{running.bi.url}/api/v1/dataset/{revenue}", timeout=60).json()["result"]["columns"]
    assert {c["column_name"]: c["type"] for c in columns if not c["expression"]} == {
        "revenue_date": "DATE", "zone_id": "BIGINT", "zone_name": "VARCHAR", "payment_method": "VARCHAR",
        "revenue": "NUMERIC(18, 2)", "payment_count": "BIGINT"}


def test_every_chart_of_the_dashboard_returns_rows_through_the_api(running):
    assert set(running.charts()) == CHARTS
    for name in CHARTS:
        assert running.chart_data(name), f"{name} returned no rows"
    summary = published(running.settings, "select occupancy_rate, revenue_today, users_today "
                                          "from marts.dashboard_summary")[0]
    assert running.chart_data("Occupancy")[0]["occupancy_rate"] == float(summary[0])
    assert running.chart_data("Revenue of D")[0]["revenue_today"] == float(summary[1])
    assert running.chart_data("Customers of D")[0]["users_today"] == summary[2]
    peak = running.chart_data("Peak hours")
    assert len(peak) == 24
    assert sum(row["entries"] for row in peak) == published(
        running.settings, "select sum(entries) from marts.peak_hours")[0][0]
    zones = {row["zone_name"]: row["occupancy_status"] for row in running.chart_data("Zones")}
    assert zones == {name: occupancy_status(rate) for name, rate in published(
        running.settings, "select zone_name, occupancy_rate from marts.zone_occupancy")}
    assert len(running.chart_data("Busiest hours, last 4 weeks")) == 168  # 7 weekdays x 24 hours
    # one point per 15-minute instant of D, local time: 96 on an ordinary day
    assert len(running.chart_data("Occupancy through the day")) == 96
    days = published(running.settings, "select count(distinct kpi_date) from marts.zone_day_kpis")[0][0]
    assert len(running.chart_data("Utilization by day")) == len(running.chart_data("RevPAS by day")) == days


def test_the_dashboard_draws_its_charts_in_headless_chromium(running, tmp_path):
    """Logged in through the login form; no error box, every chart drawn; the zone status
    colours on the screen; nothing but Superset itself reached (the proxy for the rest is dead)."""
    browser = Browser(tmp_path / "profile", width=1400, height=2700,
                      extra_flags=["--proxy-server=127.0.0.1:9"])  # loopback bypasses the proxy
    try:
        browser.navigate(f"{running.bi.url}/login/")
        assert browser.wait_for("document.getElementById('csrf_token') !== null", 120)
        status = browser.evaluate(f"""fetch('/login/', {{method: 'POST', body: new URLSearchParams({{
            username: {running.bi.admin_user!r}, password: {running.bi.admin_password!r},
            csrf_token: document.getElementById('csrf_token').value}})}}).then(r => r.status)""")
        assert status == 200
        browser.navigate(f"{running.bi.dashboard_url}?standalone=1")
        drawn = browser.wait_for(DRAWN, timeout=300)
        report = browser.evaluate(CHART_REPORT)
        assert drawn, report
        browser.wait_for("false", timeout=3)  # let the last animations settle
        image = read_png(browser.screenshot(tmp_path / "dashboard.png"))
    finally:
        browser.close()
    assert {chart["title"] for chart in report} == CHARTS
    assert not [chart for chart in report if chart["error"]], report
    for status in {occupancy_status(rate) for (rate,) in published(
            running.settings, "select occupancy_rate from marts.zone_occupancy")}:
        assert len(pixels_of(image, STATUS_COLOURS[status])) > 300, f"zone bars of status {status}"


# Every chart holder has drawn: an ECharts canvas, a table with rows, or a big number.
DRAWN = """(() => {
  const holders = [...document.querySelectorAll('.dashboard-component-chart-holder')]
    .filter(h => h.querySelector('.chart-slice, .slice_container'));
  const done = holders.filter(h => h.querySelector('canvas, table tbody tr, .header-line'));
  const busy = document.querySelectorAll('.loading, .ant-skeleton').length;
  return holders.length === 17 && done.length === 17 && busy === 0;
})()"""
CHART_REPORT = """[...document.querySelectorAll('.dashboard-component-chart-holder')]
  .filter(h => h.querySelector('.chart-slice, .slice_container')).map(h => ({
    title: (h.querySelector('.header-title') || {}).innerText,
    error: (h.querySelector('.alert, .ant-alert, [role="alert"]') || {}).innerText || null}))"""


def test_the_dashboard_follows_a_publish_with_no_restart_and_holds_no_file(running):
    """A second pipeline run publishes D+1 with os.replace while Superset runs; the next query
    shows D+1. Between queries no Superset process keeps the published file open."""
    from parking_warehouse.pipeline import run_daily

    assert shown_day(running.chart_data("Figures for")[0]["run_date"]) == DAY_BEFORE
    before = running.chart_data("Revenue by day and method")
    assert not [path for path in open_files_of(running.server_pid) if str(running.settings.warehouse) in path]

    run_daily(running.settings, run_date=LAST, run_id="bi-next-day")

    assert shown_day(running.chart_data("Figures for")[0]["run_date"]) == LAST
    after = running.chart_data("Revenue by day and method")
    days = {row["revenue_date"] for row in after}
    assert len(days) == len({row["revenue_date"] for row in before}) + 1
    assert not [path for path in open_files_of(running.server_pid) if str(running.settings.warehouse) in path]
