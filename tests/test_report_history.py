"""REPORTS_DIR/index.html, the history page: every published day, the KPI trends of the whole
history (zone_day_kpis) with a zone selector, the stored reports with a type filter and a
search. Rendered from the session's real pipeline run (conftest.py `built`) and opened in
headless Chromium with the network off: the charts are drawn by the page's own script and the
filter works.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pytest
from pipeline_support import DAYS

from parking_warehouse.reports.history import (
    TREND_METRICS,
    read_kpi_series,
    read_stored_reports,
    render_history,
)


@pytest.fixture(scope="module")
def history(built) -> dict:
    con = duckdb.connect(str(built.settings.warehouse), read_only=True)
    try:
        series = read_kpi_series(con)
        reports = read_stored_reports(con, timezone=built.settings.timezone)
        first_visit = con.execute(
            "select min(entry_date_local)::varchar from core.fct_parking_sessions where status <> 'cancelled'"
        ).fetchone()[0]
    finally:
        con.close()
    return {"series": series, "reports": reports, "first_visit": first_visit,
            "page": (built.settings.reports_dir / "index.html").read_text(), "reports_dir": built.settings.reports_dir}


def test_the_history_page_lists_every_published_day_with_its_report(history):
    page = history["page"]
    for day in DAYS:
        assert f'<a href="{day.isoformat()}/index.html">{day.isoformat()}</a>' in page
        assert (history["reports_dir"] / day.isoformat() / "index.html").exists()


def test_the_trends_cover_the_whole_history_not_only_the_days_run(history):
    all_zones = history["series"][0]
    assert all_zones["zone_name"] == "All zones" and all_zones["zone_id"] is None
    # every day from the first visit of the source, none missing (a never-run day too:
    # tests/test_operator_kpis_incremental.py)
    assert all_zones["dates"][0] == history["first_visit"]
    first, last = date.fromisoformat(all_zones["dates"][0]), DAYS[-1]
    assert all_zones["dates"] == [(first + timedelta(days=n)).isoformat() for n in range((last - first).days + 1)]
    for name, _ in TREND_METRICS:
        assert len(all_zones[name]) == len(all_zones["dates"])


def test_the_page_loads_nothing_from_anywhere(history):
    page = history["page"]
    assert not re.search(r"https?://|(?:src|href)=\"//", page.replace("http://www.w3.org/2000/svg", ""))
    for tag in ("<link", "<img", "<iframe", "@import", "url(", " src="):
        assert tag not in page
    assert "default-src 'none'" in page


def _rendered_dom(page: Path, fragment: str = "") -> str:
    """The DOM after the page's script ran, in headless Chromium with the network off."""
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.fail("chromium is not installed: run `bash scripts/install-system-packages.sh` (make test does)")
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",
             f"--user-data-dir={profile}", "--dump-dom", page.resolve().as_uri() + fragment],
            check=True, capture_output=True, timeout=120, text=True,
        )
    return done.stdout


def _page_with_reports(history, tmp_path: Path) -> Path:
    reports = history["reports"] + [
        {"id": 900, "report_type": "custom", "title": "Custom report 2026-02-01 to 2026-02-15",
         "period_from": "2026-02-01", "period_to": "2026-02-15", "generated_by": 1,
         "created_at": "2026-03-02T09:00:00+01:00"},
    ]
    page = tmp_path / "index.html"
    page.write_text(render_history(days=[], kpi_series=history["series"], reports=reports,
                                   generated_at="2026-03-02T09:00:00+01:00", timezone="Europe/Berlin"))
    return page


@pytest.mark.slow
def test_the_charts_are_drawn_for_the_selected_zone(history, tmp_path):
    page = _page_with_reports(history, tmp_path)
    dom = _rendered_dom(page)
    charts = re.findall(r'<svg class="trend" data-metric="(\w+)".*?<polyline points="([^"]+)"', dom)
    assert [metric for metric, _ in charts] == [name for name, _ in TREND_METRICS]
    points = len(history["series"][0]["dates"])
    assert all(len(path.split()) == points for _, path in charts)
    assert "Utilization (%) - All zones" in dom
    zone = history["series"][1]
    dom = _rendered_dom(page, "#zone=1")
    assert f"Utilization (%) - {zone['zone_name']}" in dom


@pytest.mark.slow
def test_the_stored_reports_filter_by_type_and_search(history, tmp_path):
    page = _page_with_reports(history, tmp_path)
    types = [report["report_type"] for report in history["reports"]] + ["custom"]

    def shown(dom: str) -> list[str]:
        rows = re.findall(r'<tr class="report-row" data-type="(\w+)"[^>]*?( style="display: none;")?>', dom)
        return [kind for kind, hidden in rows if not hidden]

    assert sorted(shown(_rendered_dom(page))) == sorted(types)
    assert shown(_rendered_dom(page, "#type=custom")) == ["custom"]
    assert shown(_rendered_dom(page, "#type=daily")) == ["daily"] * types.count("daily")
    assert shown(_rendered_dom(page, "#q=2026-02-15")) == ["custom"]  # its period_to
    assert shown(_rendered_dom(page, "#q=Monthly+report+2026-02")) == ["monthly"]  # a title
    assert shown(_rendered_dom(page, "#type=weekly&q=2026-02-15")) == []
    assert {"daily", "weekly"} <= set(types)
