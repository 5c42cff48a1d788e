"""index.html: self-contained, offline, and its charts really render (headless Chromium).

The page is rendered from a real report: the JSON files, health and trend of the session's
built warehouse (conftest.py `built`, report folder 2026-03-01), changed where a test needs a
case the small source does not have (a critical zone, empty data, markup in a name).
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import duckdb
import numpy as np
import pytest
from pipeline_support import LAST
from png import pixels_of, read_png

from parking_warehouse.reports import html
from parking_warehouse.reports.html import render_index
from parking_warehouse.reports.materialise import REPORT_OUTPUT_NAMES, read_trend

LINKS = {  # as parking_warehouse.reports.materialise writes them
    "Data Docs (data-quality results)": "../data_docs/index.html",
    "dbt docs (models and columns)": "../dbt_docs/index.html",
    "health.json": "health.json",
    "manifest.json": "manifest.json",
}


@pytest.fixture(scope="module")
def real(built) -> dict:
    """render_index's arguments for the real report of 2026-03-01, and the page materialise wrote."""
    folder = built.settings.reports_dir / LAST.isoformat()
    manifest = json.loads((folder / "manifest.json").read_text())
    con = duckdb.connect(str(built.settings.warehouse), read_only=True)
    try:
        trend = read_trend(con, LAST, timezone=built.settings.timezone)
    finally:
        con.close()
    return {
        "outputs": {name: json.loads((folder / f"{name}.json").read_text()) for name in REPORT_OUTPUT_NAMES},
        "health": json.loads((folder / "health.json").read_text()),
        "trend": trend,
        "meta": {key: manifest[key] for key in ("run_id", "run_date", "as_of", "timezone")}
                | {"links": LINKS, "files": [f"{name}.json" for name in REPORT_OUTPUT_NAMES]},
        "page": (folder / "index.html").read_text(),
    }


def _arguments(real: dict) -> dict:
    return copy.deepcopy({key: real[key] for key in ("outputs", "health", "trend", "meta")})


def _page(real: dict, **changes) -> str:
    return render_index(**(_arguments(real) | changes))


def test_the_published_page_is_the_one_its_json_files_give(real):
    assert _page(real) == real["page"]
    assert len(real["trend"]) == 3 and real["outputs"]["zone_occupancy"]


def test_the_page_loads_nothing_from_anywhere(real):
    page = _page(real)
    assert not re.search(r"(?:https?:)?//", page), "no URL of any kind: the page is opened offline"
    for tag in ("<script", "<link", "<img", "<iframe", "@import", "url("):
        assert tag not in page
    assert "default-src 'none'" in page  # and the browser is told to load nothing even so


def _three_zones(real: dict) -> dict:
    """The real outputs with a third zone, the zones at 90 %, 60 % and 0 % occupancy."""
    outputs = _arguments(real)["outputs"]
    zones = outputs["zone_occupancy"]
    zones.append(dict(zones[-1], zone_id=zones[-1]["zone_id"] + 1, zone_name="Station"))
    for zone, (name, rate) in zip(zones, [("Center", 90.0), ("Harbour", 60.0), ("Station", 0.0)], strict=True):
        zone.update(zone_name=name, occupancy_rate=rate)
    return outputs


def test_zones_are_coloured_by_the_occupancy_thresholds(real):
    zones = real["outputs"]["zone_occupancy"]
    assert re.findall(r'<tr class="zone-(\w+)"><td>([^<]+)<', _page(real)) == [
        (html.occupancy_status(zone["occupancy_rate"]), zone["zone_name"]) for zone in zones]
    page = _page(real, outputs=_three_zones(real))
    assert re.findall(r'<tr class="zone-(\w+)"><td>(\w+)<', page) == [
        ("critical", "Center"), ("warning", "Harbour"), ("normal", "Station")]
    assert [html.occupancy_status(rate) for rate in (80.0, 80.004, 80.01, 50.0, 49.99, 0)] == [
        "warning", "warning", "critical", "warning", "normal", "normal"]


def test_the_page_shows_the_dashboard_figures_and_links(real):
    page = _page(real)
    summary, peak = real["outputs"]["dashboard_summary"], real["outputs"]["peak_hours"]
    top = peak["peak_hours"][0]
    for text in (f"<div class=\"value\">{summary['revenue_today']:,.2f}</div>",
                 f"<div class=\"value\">{summary['occupancy_rate']:.2f} %</div>",
                 f"<div class=\"value\">{summary['users_today']:,}</div>", "Customers today",
                 'href="../data_docs/index.html"', 'href="../dbt_docs/index.html"',
                 f"Peak hours: {top['hour']:02d}:00 ({top['entries']:,})",
                 f"Entries by local hour, {peak['period']['from']} to {peak['period']['to']}"):
        assert text in page
    assert peak["period"]["to"] == "2026-03-01"


def test_the_page_renders_with_empty_data(real):
    outputs = _arguments(real)["outputs"]
    outputs["revenue_report"] = {"period": {"from": "2026-03-01", "to": "2026-03-01"}, "total_revenue": 0,
                                 "by_payment_method": [], "by_zone": [], "transaction_count": 0}
    outputs["zone_occupancy"] = []
    outputs["peak_hours"]["hourly_breakdown"] = [{"hour": h, "entries": 0} for h in range(24)]
    page = _page(real, outputs=outputs, trend=[], health={"status": "ok"})
    assert "no data for this period" in page and "no stored system metrics yet" in page


def test_names_are_escaped(real):
    outputs = _arguments(real)["outputs"]
    outputs["zone_occupancy"][0]["zone_name"] = "<b>Ctr & Co</b>"
    assert "&lt;b&gt;Ctr &amp; Co&lt;/b&gt;" in _page(real, outputs=outputs)


# --------------------------------------------------------------------------- real browser


def screenshot(page: Path, out: Path, *, height: int = 3600) -> np.ndarray:
    chromium = shutil.which("chromium")
    if not chromium:
        pytest.fail("chromium is not installed: run `bash scripts/install-system-packages.sh` (make test does)")
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # the network is off
             f"--user-data-dir={profile}", f"--screenshot={out}", f"--window-size=1280,{height}",
             "--hide-scrollbars", page.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    return read_png(out)


def assert_charts_drawn(image: np.ndarray) -> None:
    """The chart colours cover real areas, where each chart is on the page."""
    hourly, peak = pixels_of(image, html.BAR), pixels_of(image, html.PEAK)
    assert len(hourly) > 5000 and len(peak) > 2000, "the 24-hour chart's bars"
    assert len(pixels_of(image, html.METHOD)) > 1500, "revenue by payment method"
    assert len(pixels_of(image, html.ZONE)) > 1500, "revenue by zone"
    for status in ("critical", "warning", "normal"):
        assert len(pixels_of(image, html.STATUS_COLOURS[status])) > 150, status
    assert np.ptp(peak[:, 0]) < 240, "the top-5 bars are in one chart"


@pytest.mark.slow
def test_index_html_renders_its_charts_in_headless_chromium_with_the_network_off(real, tmp_path):
    page = tmp_path / "index.html"
    page.write_text(_page(real, outputs=_three_zones(real)))
    image = screenshot(page, tmp_path / "shot.png")
    assert_charts_drawn(image)
    hours = [row["hour"] for row in real["outputs"]["peak_hours"]["peak_hours"]]
    peak = pixels_of(image, html.PEAK)
    assert np.ptp(peak[:, 1]) > 40 * (max(hours) - min(hours)), "the top-5 bars stand at their hours"
    # The trend chart: its points are coloured by status (the real 2026-02-28 was critical).
    assert [row["occupancy_status"] for row in real["trend"]].count("critical") == 1
    without_trend = tmp_path / "no-trend.html"
    without_trend.write_text(_page(real, outputs=_three_zones(real), trend=[]))
    critical = pixels_of(image, html.STATUS_COLOURS["critical"])
    critical_without = pixels_of(screenshot(without_trend, tmp_path / "no-trend.png"), html.STATUS_COLOURS["critical"])
    assert len(critical) - len(critical_without) > 30, "the critical day is a red point on the trend"
    assert critical[:, 0].max() > critical_without[:, 0].max(), "below the trend's legend"


# --------------------------------------------------------------------------- operations section


def test_the_operations_section_shows_the_days_kpis(real):
    page = _page(real)
    operations = real["outputs"]["operations"]
    zones = operations["zones"]
    assert zones[-1]["zone_name"] == "All zones" and zones[-1]["zone_id"] is None
    assert page.count('<tr class="zone">') == len(zones) - 1 and page.count('<tr class="all-zones"') == 1
    assert page.count('class="heat-cell"') == 168
    timeline_zones = {row["zone_id"] for row in real["outputs"]["occupancy_timeline"]}
    assert page.count('class="timeline-line"') == len(timeline_zones) + 1  # + all zones
    for status in ("normal", "warning", "critical"):
        assert f'class="band band-{status}"' in page
    visitors = operations["visitors"]
    assert f'<div class="value">{visitors["vehicles"]:,}</div>' in page
    assert f'{zones[-1]["utilization_rate"]:.2f}%' in page


def test_the_all_zones_line_sums_the_zones_slots_per_instant():
    timeline = [
        {"zone_id": 1, "zone_name": "A", "at": "t0", "occupied_slots": 1, "total_slots": 3, "occupancy_rate": 33.33},
        {"zone_id": 2, "zone_name": "B", "at": "t0", "occupied_slots": 1, "total_slots": 5, "occupancy_rate": 20.0},
        {"zone_id": 1, "zone_name": "A", "at": "t1", "occupied_slots": 0, "total_slots": 3, "occupancy_rate": 0.0},
        {"zone_id": 2, "zone_name": "B", "at": "t1", "occupied_slots": 0, "total_slots": 0, "occupancy_rate": 0.0},
    ]
    assert html.operation_timeline(timeline) == [{"at": "t0", "occupancy_rate": 25.0},
                                                 {"at": "t1", "occupancy_rate": 0.0}]
    assert html.operation_timeline([{**timeline[0], "occupied_slots": 1, "total_slots": 8}]) == [
        {"at": "t0", "occupancy_rate": 12.5}]


@pytest.mark.slow
def test_the_operations_charts_render_in_headless_chromium(real, tmp_path):
    page = tmp_path / "index.html"
    page.write_text(_page(real))
    image = screenshot(page, tmp_path / "shot.png")
    assert len(pixels_of(image, html.ALL_ZONES)) > 300, "the all-zones line of the timeline"
    drawn = [len(pixels_of(image, colour)) for _, _, colour in html.STAY_MIX]
    assert sum(drawn) > 2000, "the stay-length bars"
