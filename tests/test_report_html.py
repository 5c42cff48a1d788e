"""index.html: self-contained, offline, and its charts really render (headless Chromium)."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
import tempfile
import zlib
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from test_pipeline_fakes import sample_outputs, sample_trend

from parking_warehouse.reports import html
from parking_warehouse.reports.html import render_index

HEALTH = {
    "status": "degraded", "problems": ["2 source row(s) quarantined (backend_core_payment)"],
    "last_publish": {"published_at": "2026-03-09T00:05:00+01:00", "run_date": "2026-03-08", "version": 3},
    "data_quality": {"checks": 20, "failed": 0, "blocking_failed": 0},
    "source_tables": [{"table_name": "backend_core_parkingsession", "row_count": 500,
                       "newest_updated_at": "2026-03-08T23:50:00+01:00", "lag_hours": 0.17}],
    "quarantine": {"total_rows": 2, "by_table_and_reason": [
        {"table_name": "backend_core_payment", "reason": "negative amount", "row_count": 2}]},
}
META = {"run_id": "run-1", "run_date": "2026-03-08", "as_of": "2026-03-09T00:00:00+01:00",
        "timezone": "Europe/Berlin", "links": {"Data Docs": "../data_docs/index.html",
                                               "dbt docs": "../dbt_docs/index.html"},
        "files": ["dashboard_summary.json"]}


def _page(**changes) -> str:
    arguments = {"outputs": sample_outputs(), "health": HEALTH,
                 "trend": sample_trend(date(2026, 3, 8), 30), "meta": META} | changes
    return render_index(**arguments)


def test_the_page_loads_nothing_from_anywhere():
    page = _page()
    assert not re.search(r"(?:https?:)?//", page), "no URL of any kind: the page is opened offline"
    for tag in ("<script", "<link", "<img", "<iframe", "@import", "url("):
        assert tag not in page
    assert "default-src 'none'" in page  # and the browser is told to load nothing even so


def test_zones_are_coloured_by_the_occupancy_thresholds():
    page = _page()
    assert re.findall(r'<tr class="zone-(\w+)"><td>(\w+)<', page) == [
        ("critical", "Center"), ("warning", "Harbour"), ("normal", "Station")]
    assert [html.occupancy_status(rate) for rate in (80.0, 80.004, 80.01, 50.0, 49.99, 0)] == [
        "warning", "warning", "critical", "warning", "normal", "normal"]


def test_the_page_shows_the_dashboard_figures_and_links():
    page = _page()
    for text in ("123.50", "37.50 %", "Customers today", 'href="../data_docs/index.html"',
                 'href="../dbt_docs/index.html"', "17:00 (45)", "Entries by local hour, 2026-02-07 to 2026-03-08"):
        assert text in page


def test_the_page_renders_with_empty_data():
    outputs = sample_outputs()
    outputs["revenue_report"] = {"period": {"from": "2026-03-08", "to": "2026-03-08"}, "total_revenue": 0,
                                 "by_payment_method": [], "by_zone": [], "transaction_count": 0}
    outputs["zone_occupancy"] = []
    outputs["peak_hours"]["hourly_breakdown"] = [{"hour": h, "entries": 0} for h in range(24)]
    page = _page(outputs=outputs, trend=[], health={"status": "ok"})
    assert "no data for this period" in page and "no stored system metrics yet" in page


def test_names_are_escaped():
    outputs = sample_outputs()
    outputs["zone_occupancy"][0]["zone_name"] = "<b>Ctr & Co</b>"
    assert "&lt;b&gt;Ctr &amp; Co&lt;/b&gt;" in _page(outputs=outputs)


# --------------------------------------------------------------------------- real browser


def read_png(path: Path) -> np.ndarray:
    """Decode an 8-bit RGB/RGBA PNG (what Chromium writes) into an (h, w, channels) array."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    position, compressed = 8, b""
    while position < len(data):
        (length,), kind = struct.unpack(">I", data[position:position + 4]), data[position + 4:position + 8]
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", body)
            assert depth == 8 and colour in (2, 6) and interlace == 0
        elif kind == b"IDAT":
            compressed += body
        position += 12 + length
    channels = 3 if colour == 2 else 4
    raw = np.frombuffer(zlib.decompress(compressed), dtype=np.uint8).reshape(height, width * channels + 1)
    image = np.zeros((height, width * channels), dtype=np.int32)
    previous = np.zeros(width * channels, dtype=np.int32)
    for y in range(height):
        kind, line = raw[y, 0], raw[y, 1:].astype(np.int32)
        if kind == 0:
            row = line
        elif kind == 1:
            row = np.cumsum(line.reshape(width, channels), axis=0).reshape(-1) % 256
        elif kind == 2:
            row = (line + previous) % 256
        else:
            row = np.zeros_like(line)
            up, values = previous.tolist(), line.tolist()
            out = [0] * len(values)
            for i, value in enumerate(values):
                left = out[i - channels] if i >= channels else 0
                upper_left = up[i - channels] if i >= channels else 0
                if kind == 3:
                    out[i] = (value + (left + up[i]) // 2) % 256
                else:
                    estimate = left + up[i] - upper_left
                    pa, pb, pc = abs(estimate - left), abs(estimate - up[i]), abs(estimate - upper_left)
                    best = left if pa <= pb and pa <= pc else up[i] if pb <= pc else upper_left
                    out[i] = (value + best) % 256
            row = np.array(out, dtype=np.int32)
        image[y], previous = row, row
    return image.reshape(height, width, channels)[:, :, :3].astype(np.uint8)


def pixels_of(image: np.ndarray, hex_colour: str) -> np.ndarray:
    rgb = [int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)]
    return np.argwhere(np.all(image == rgb, axis=2))


def screenshot(page: Path, out: Path, *, height: int = 2000) -> np.ndarray:
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
def test_index_html_renders_its_charts_in_headless_chromium_with_the_network_off(tmp_path):
    page = tmp_path / "index.html"
    page.write_text(_page())
    image = screenshot(page, tmp_path / "shot.png")
    assert_charts_drawn(image)
    peak = pixels_of(image, html.PEAK)
    assert np.ptp(peak[:, 1]) > 400, "the sample's peak hours run from 08:00 to 17:00"
    # The trend chart: status-coloured points above the revenue bars, below the zone table.
    critical = pixels_of(image, html.STATUS_COLOURS["critical"])
    assert critical[:, 0].max() - critical[:, 0].min() > 600, "critical shows in the zones and in the trend"
