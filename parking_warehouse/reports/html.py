"""index.html: the day's report as one self-contained page an operator opens offline.

Inline CSS and inline SVG only: no script, no font, no image or style sheet from anywhere
(a Content-Security-Policy in the page forbids loading any), so it renders the same with the
network off, from a USB stick or an e-mail attachment. Links go to files beside it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from html import escape

# Occupancy thresholds of analytics-spec.md ("system_metrics"), applied to the rounded rate.
STATUS_COLOURS = {"critical": "#dc2626", "warning": "#f59e0b", "normal": "#16a34a"}
HEALTH_COLOURS = {"ok": "#16a34a", "degraded": "#f59e0b", "failing": "#dc2626"}
BAR = "#2563eb"  # the 24-hour chart
PEAK = "#1e3a8a"  # its top-5 hours
METHOD = "#0d9488"  # revenue by payment method
ZONE = "#7c3aed"  # revenue by zone
TREND = "#2563eb"  # occupancy-rate line
REVENUE = "#64748b"  # daily revenue bars
ALL_ZONES = "#000000"  # the whole operation's line in the occupancy timeline
ZONE_LINES = ("#2563eb", "#7c3aed", "#0d9488", "#db2777", "#ea580c", "#65a30d", "#0891b2", "#9333ea",
              "#be123c", "#4d7c0f", "#1d4ed8", "#b45309")
# stay_mix keys (analytics-spec.md output 11), short to long
STAY_MIX = (("under_15m", "< 15 min", "#bae6fd"), ("15m_1h", "15 min-1 h", "#7dd3fc"),
            ("1h_2h", "1-2 h", "#38bdf8"), ("2h_4h", "2-4 h", "#0284c7"),
            ("4h_8h", "4-8 h", "#075985"), ("over_8h", "8 h and more", "#0c2d48"))
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

BASE_CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#0f172a;background:#f1f5f9}
header{background:#0f172a;color:#f8fafc;padding:18px 28px}
header h1{margin:0 0 4px;font-size:22px}
header .meta{color:#cbd5e1;font-size:13px}
main{padding:20px 28px;max-width:1240px}
section{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:16px 20px;margin:0 0 18px}
h2{font-size:16px;margin:0 0 12px}
"""

_CSS = BASE_CSS + """
.cards{display:grid;grid-template-columns:repeat(4,1fr);gap:12px}
.card{border:1px solid #e2e8f0;border-radius:6px;padding:10px 12px}
.card .label{color:#475569;font-size:12px;text-transform:uppercase;letter-spacing:.03em}
.card .value{font-size:24px;font-weight:600}
.cards3{display:grid;grid-template-columns:repeat(3,1fr);gap:12px;max-width:700px}
.grid2{display:grid;grid-template-columns:1fr 1fr;gap:18px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:4px 8px;border-bottom:1px solid #e2e8f0;font-variant-numeric:tabular-nums;white-space:nowrap}
th{color:#475569;font-weight:600;font-size:12px}
td.num,th.num{text-align:right}
.badge{display:inline-block;border-radius:999px;padding:1px 10px;color:#fff;font-weight:600;font-size:12px}
.legend span{margin-right:14px;font-size:12px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:4px}
.muted{color:#64748b}
svg text{font:11px system-ui,sans-serif;fill:#334155}
ul.problems{margin:6px 0 0;padding-left:20px}
a{color:#1d4ed8}
"""


def _fmt_money(value) -> str:
    return f"{float(value or 0):,.2f}"


def _fmt_int(value) -> str:
    return f"{int(value or 0):,}"


def occupancy_status(rate) -> str:
    rate = round(float(rate or 0), 2)
    return "critical" if rate > 80 else "warning" if rate >= 50 else "normal"


def _badge(text: str, colour: str) -> str:
    return f'<span class="badge" style="background:{colour}">{escape(text)}</span>'


def _empty_chart(width: int, height: int, message: str) -> str:
    return (f'<svg width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">'
            f'<text x="{width / 2:.0f}" y="{height / 2:.0f}" text-anchor="middle">{escape(message)}</text></svg>')


def hbar_chart(rows: list[tuple[str, float, str]], *, width: int = 560, label_width: int = 150,
               value_format=_fmt_money, chart_id: str = "") -> str:
    """Horizontal bars: (label, value, colour) per row."""
    if not rows:
        return _empty_chart(width, 40, "no data for this period")
    bar_height, gap = 20, 8
    height = len(rows) * (bar_height + gap) + gap
    top = max((value for _, value, _ in rows), default=0) or 1
    room = width - label_width - 80
    parts = [f'<svg id="{chart_id}" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    for index, (label, value, colour) in enumerate(rows):
        y = gap + index * (bar_height + gap)
        length = max(room * value / top, 1 if value else 0)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 14}" text-anchor="end">{escape(str(label))}</text>'
            f'<rect x="{label_width}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}" rx="2">'
            f'<title>{escape(str(label))}: {escape(value_format(value))}</title></rect>'
            f'<text x="{label_width + length + 6:.1f}" y="{y + 14}">{escape(value_format(value))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def hourly_chart(hourly: list[dict], peak: list[dict], *, width: int = 1160, height: int = 240) -> str:
    """The 24-hour entries chart; the top-5 hours drawn darker."""
    counts = {int(row["hour"]): int(row["entries"]) for row in hourly}
    peak_hours = {int(row["hour"]) for row in peak}
    left, bottom, top_pad = 44, 28, 12
    plot_w, plot_h = width - left - 10, height - bottom - top_pad
    top = max(counts.values(), default=0) or 1
    step = plot_w / 24
    parts = [f'<svg id="peak-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    for fraction in (0, 0.5, 1):
        y = top_pad + plot_h * (1 - fraction)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - 10}" y2="{y:.1f}" stroke="#e2e8f0"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{round(top * fraction):,}</text>')
    for hour in range(24):
        value = counts.get(hour, 0)
        bar_h = plot_h * value / top
        x = left + hour * step + step * 0.12
        colour = PEAK if hour in peak_hours else BAR
        parts.append(
            f'<rect x="{x:.1f}" y="{top_pad + plot_h - bar_h:.1f}" width="{step * 0.76:.1f}" '
            f'height="{bar_h:.1f}" fill="{colour}"><title>{hour:02d}:00: {value:,} entries</title></rect>'
            f'<text x="{x + step * 0.38:.1f}" y="{height - 10}" text-anchor="middle">{hour}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def trend_chart(trend: list[dict], *, run_date: str, days: int = 30, width: int = 1160,
                height: int = 220) -> str:
    """system_metrics for the `days` days up to D: occupancy rate (line, points coloured by status)
    over daily revenue (bars). A day without a stored row is a gap, not a zero."""
    last = date.fromisoformat(run_date)
    dates = [(last - timedelta(days=days - 1 - index)).isoformat() for index in range(days)]
    by_date = {str(row["run_date"]): row for row in trend}
    if not any(day in by_date for day in dates):
        return _empty_chart(width, 60, "no stored system metrics yet")
    left, right, bottom, top_pad = 44, 64, 30, 12
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    step = plot_w / days
    top_revenue = max(float(by_date[d].get("daily_revenue") or 0) for d in dates if d in by_date) or 1
    parts = [f'<svg id="trend-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    for percent in (0, 50, 80, 100):
        y = top_pad + plot_h * (1 - percent / 100)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e2e8f0"/>'
                     f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end">{percent}%</text>')
    parts.append(f'<text x="{width - right + 6}" y="{top_pad + 8}">{_fmt_money(top_revenue)}</text>'
                 f'<text x="{width - right + 6}" y="{top_pad + plot_h}">0</text>')
    segments, segment, points = [], [], []
    for index, day in enumerate(dates):
        centre = left + step * (index + 0.5)
        if (days - 1 - index) % 3 == 0:
            parts.append(f'<text x="{centre:.1f}" y="{height - 10}" text-anchor="middle">{escape(day[5:])}</text>')
        row = by_date.get(day)
        if row is None:
            segment = []
            continue
        revenue = float(row.get("daily_revenue") or 0)
        bar_h = plot_h * revenue / top_revenue
        parts.append(f'<rect x="{centre - step * 0.3:.1f}" y="{top_pad + plot_h - bar_h:.1f}" '
                     f'width="{step * 0.6:.1f}" height="{bar_h:.1f}" fill="{REVENUE}" opacity="0.45">'
                     f'<title>{escape(day)}: revenue {_fmt_money(revenue)}</title></rect>')
        rate = float(row.get("occupancy_rate") or 0)
        point = (centre, top_pad + plot_h * (1 - min(rate, 100) / 100), rate, row)
        if not segment:
            segments.append(segment)
        segment.append(point)
        points.append(point)
    for run in segments:
        if len(run) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _, _ in run)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{TREND}" stroke-width="2.5"/>')
    for x, y, rate, row in points:
        status = row.get("occupancy_status") or occupancy_status(rate)
        parts.append(f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{STATUS_COLOURS.get(status, TREND)}">'
                     f'<title>{escape(str(row["run_date"]))}: {rate:.2f}% ({escape(str(status))})</title></circle>')
    parts.append("</svg>")
    return "".join(parts)


def _when(value) -> str:
    """An ISO instant as 'YYYY-MM-DD HH:MM' (its local offset is the report's time zone)."""
    try:
        return datetime.fromisoformat(str(value)).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return str(value)


def _cards(summary: dict) -> str:
    figures = [
        ("Total slots", _fmt_int(summary.get("total_slots"))),
        ("Occupied slots", _fmt_int(summary.get("occupied_slots"))),
        ("Available slots", _fmt_int(summary.get("available_slots"))),
        ("Occupancy rate", f"{float(summary.get('occupancy_rate') or 0):.2f} %"),
        ("Active sessions", _fmt_int(summary.get("active_sessions"))),
        ("Completed sessions", _fmt_int(summary.get("completed_sessions"))),
        ("Revenue today", _fmt_money(summary.get("revenue_today"))),
        ("Customers today", _fmt_int(summary.get("users_today"))),
    ]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{escape(label)}</div><div class="value">{escape(value)}</div></div>'
        for label, value in figures) + "</div>"


def _legend() -> str:
    labels = {"critical": "critical (> 80 %)", "warning": "warning (50-80 %)", "normal": "normal (< 50 %)"}
    return '<div class="legend">' + "".join(
        f'<span><i style="background:{STATUS_COLOURS[s]}"></i>{escape(text)}</span>' for s, text in labels.items()
    ) + "</div>"


def _zones(zones: list[dict]) -> str:
    rows = []
    for zone in zones:
        rate = float(zone.get("occupancy_rate") or 0)
        status = occupancy_status(rate)
        colour = STATUS_COLOURS[status]
        rows.append(
            f'<tr class="zone-{status}"><td>{escape(str(zone.get("zone_name")))}</td>'
            f'<td class="num">{_fmt_int(zone.get("total_slots"))}</td>'
            f'<td class="num">{_fmt_int(zone.get("occupied_slots"))}</td>'
            f'<td class="num">{_fmt_int(zone.get("available_slots"))}</td>'
            f'<td class="num">{_fmt_int(zone.get("active_sessions"))}</td>'
            f'<td><svg width="220" height="16" viewBox="0 0 220 16" role="img">'
            f'<rect x="0" y="2" width="160" height="12" fill="#e2e8f0" rx="2"/>'
            f'<rect x="0" y="2" width="{1.6 * min(rate, 100):.1f}" height="12" fill="{colour}" rx="2"/>'
            f'<text x="166" y="12">{rate:.2f}%</text></svg></td>'
            f'<td>{_badge(status, colour)}</td></tr>'
        )
    if not rows:
        rows.append('<tr><td colspan="7" class="muted">no active zones</td></tr>')
    return ('<table><tr><th>Zone</th><th class="num">Slots</th><th class="num">Occupied</th>'
            '<th class="num">Available</th><th class="num">Active sessions</th><th>Occupancy</th>'
            '<th>Status</th></tr>' + "".join(rows) + "</table>")


def _health(health: dict) -> str:
    status = health.get("status", "unknown")
    parts = [f'<p>Status {_badge(status, HEALTH_COLOURS.get(status, "#64748b"))}']
    publish = health.get("last_publish") or {}
    if publish:
        parts.append(f' &middot; published {escape(_when(publish.get("published_at")))} for '
                     f'{escape(str(publish.get("run_date")))} (version {escape(str(publish.get("version")))})')
    parts.append("</p>")
    if health.get("problems"):
        parts.append('<ul class="problems">' + "".join(f"<li>{escape(p)}</li>" for p in health["problems"]) + "</ul>")
    quality = health.get("data_quality") or {}
    parts.append(f'<p>Data quality: {_fmt_int(quality.get("checks"))} checks, '
                 f'{_fmt_int(quality.get("failed"))} failed ({_fmt_int(quality.get("blocking_failed"))} blocking).</p>')
    sources = health.get("source_tables") or []
    quarantine = (health.get("quarantine") or {}).get("by_table_and_reason") or []
    source_rows = "".join(
        f'<tr><td>{escape(str(r.get("table_name")))}</td><td class="num">{_fmt_int(r.get("row_count"))}</td>'
        f'<td>{escape(_when(r.get("newest_updated_at")))}</td><td class="num">{escape(str(r.get("lag_hours")))}</td></tr>'
        for r in sources) or '<tr><td colspan="4" class="muted">no source tables recorded</td></tr>'
    quarantine_rows = "".join(
        f'<tr><td>{escape(str(r.get("table_name")))}</td><td>{escape(str(r.get("reason")))}</td>'
        f'<td class="num">{_fmt_int(r.get("row_count"))}</td></tr>'
        for r in quarantine) or '<tr><td colspan="3" class="muted">no quarantined rows</td></tr>'
    parts.append(
        '<div class="grid2"><div><h2>Source tables</h2><table><tr><th>Table</th><th class="num">Rows</th>'
        f'<th>Newest updated_at</th><th class="num">Lag (h)</th></tr>{source_rows}</table></div>'
        '<div><h2>Quarantined rows</h2><table><tr><th>Table</th><th>Reason</th><th class="num">Rows</th></tr>'
        f'{quarantine_rows}</table></div></div>')
    return "".join(parts)


def operation_timeline(timeline: list[dict]) -> list[dict]:
    """The whole operation's line: the zones' occupied and counted slots summed per instant."""
    totals: dict[str, list[int]] = {}
    for row in timeline:
        occupied, slots = totals.setdefault(row["at"], [0, 0])
        totals[row["at"]] = [occupied + int(row["occupied_slots"]), slots + int(row["total_slots"])]
    return [{"at": at, "occupancy_rate": float((Decimal(100 * occupied) / slots).quantize(Decimal("0.01"), ROUND_HALF_UP))
             if slots else 0.0} for at, (occupied, slots) in totals.items()]


def timeline_chart(timeline: list[dict], *, width: int = 1160, height: int = 300) -> str:
    """Occupancy rate through the day: one line per zone and a bold one for all zones, over the
    bands of the occupancy thresholds (normal < 50 %, warning 50-80 %, critical > 80 %)."""
    operation = operation_timeline(timeline)
    if not operation:
        return _empty_chart(width, 60, "no counted zones")
    left, right, bottom, top_pad = 44, 150, 28, 10
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    count = len(operation)
    step = plot_w / max(count - 1, 1)
    index_of = {row["at"]: index for index, row in enumerate(operation)}

    def y_of(rate) -> float:
        return top_pad + plot_h * (1 - min(float(rate or 0), 100) / 100)

    parts = [f'<svg id="timeline-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    for low, high, status in ((0, 50, "normal"), (50, 80, "warning"), (80, 100, "critical")):
        parts.append(f'<rect class="band band-{status}" x="{left}" y="{y_of(high):.1f}" width="{plot_w:.1f}" '
                     f'height="{y_of(low) - y_of(high):.1f}" fill="{STATUS_COLOURS[status]}" opacity="0.09"/>')
    for percent in (0, 50, 80, 100):
        parts.append(f'<text x="{left - 6}" y="{y_of(percent) + 4:.1f}" text-anchor="end">{percent}%</text>')
    for index, row in enumerate(operation):
        if str(row["at"])[14:16] == "00" and int(str(row["at"])[11:13]) % 3 == 0:
            parts.append(f'<text x="{left + index * step:.1f}" y="{height - 8}" text-anchor="middle">'
                         f'{escape(str(row["at"])[11:16])}</text>')
    zones: dict = {}
    for row in timeline:
        zones.setdefault((row["zone_id"], row["zone_name"]), []).append(row)
    series = [(name, rows, ZONE_LINES[number % len(ZONE_LINES)], 1.5)
              for number, ((_, name), rows) in enumerate(zones.items())]
    series.append(("All zones", operation, ALL_ZONES, 3))
    for number, (name, rows, colour, stroke) in enumerate(series):
        path = " ".join(f"{left + index_of.get(r['at'], 0) * step:.1f},{y_of(r['occupancy_rate']):.1f}" for r in rows)
        peak = max(rows, key=lambda r: float(r["occupancy_rate"] or 0))
        parts.append(f'<polyline class="timeline-line" points="{path}" fill="none" stroke="{colour}" '
                     f'stroke-width="{stroke}"><title>{escape(str(name))}: peak {float(peak["occupancy_rate"] or 0):.2f}% '
                     f'at {escape(str(peak["at"])[11:16])}</title></polyline>'
                     f'<rect x="{width - right + 10}" y="{top_pad + number * 16}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{width - right + 24}" y="{top_pad + number * 16 + 9}">{escape(str(name))}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _kpi_table(zones: list[dict]) -> str:
    def minutes(value) -> str:
        return "-" if value is None else f"{float(value):,.1f}"

    def row_html(row: dict) -> str:
        opening = '<tr class="all-zones" style="font-weight:600">' if row.get("zone_id") is None else '<tr class="zone">'
        return (
            opening +
            f'<td>{escape(str(row.get("zone_name")))}</td>'
            f'<td class="num">{_fmt_int(row.get("total_slots"))}</td>'
            f'<td class="num">{_fmt_int(row.get("peak_occupied_slots"))} ({float(row.get("peak_occupancy_rate") or 0):.2f}%)</td>'
            f'<td>{escape(str(row.get("peak_at"))[11:16])}</td>'
            f'<td class="num">{float(row.get("utilization_rate") or 0):.2f}%</td>'
            f'<td class="num">{float(row.get("turnover") or 0):.2f}</td>'
            f'<td class="num">{_fmt_money(row.get("revenue"))}</td>'
            f'<td class="num">{_fmt_money(row.get("revpas"))}</td>'
            f'<td class="num">{minutes(row.get("avg_stay_minutes"))}</td>'
            f'<td class="num">{minutes(row.get("median_stay_minutes"))}</td>'
            f'<td class="num">{_fmt_int(row.get("unpaid_sessions"))} / {_fmt_money(row.get("unpaid_amount"))}</td></tr>'
        )

    rows = "".join(row_html(row) for row in zones) or '<tr><td colspan="11" class="muted">no counted zones</td></tr>'
    return ('<table id="kpi-table"><tr><th>Zone</th><th class="num">Slots</th><th class="num">Peak</th>'
            '<th>Peak at</th><th class="num">Utilization</th><th class="num">Turnover</th>'
            '<th class="num">Revenue</th><th class="num">RevPAS</th><th class="num">Avg stay (min)</th>'
            '<th class="num">Median stay (min)</th><th class="num">Unpaid (stays / amount)</th></tr>'
            + rows + "</table>")


def stay_mix_chart(zones: list[dict], *, width: int = 1160, label_width: int = 150) -> str:
    """One stacked bar per zone: the share of its completed stays in each length band."""
    if not zones:
        return _empty_chart(width, 40, "no counted zones")
    bar_height, gap = 18, 8
    height = len(zones) * (bar_height + gap) + gap + 22
    room = width - label_width - 20
    parts = [f'<svg id="stay-mix-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    for index, row in enumerate(zones):
        y = gap + index * (bar_height + gap)
        mix = row.get("stay_mix") or {}
        total = sum(int(mix.get(key) or 0) for key, _, _ in STAY_MIX)
        parts.append(f'<text x="{label_width - 8}" y="{y + 13}" text-anchor="end">{escape(str(row.get("zone_name")))}</text>')
        x = float(label_width)
        for key, label, colour in STAY_MIX:
            value = int(mix.get(key) or 0)
            length = room * value / total if total else 0
            if length:
                parts.append(f'<rect x="{x:.1f}" y="{y}" width="{length:.1f}" height="{bar_height}" fill="{colour}">'
                             f'<title>{escape(str(row.get("zone_name")))}, {escape(label)}: {value:,} stays</title></rect>')
            x += length
        if not total:
            parts.append(f'<text x="{label_width}" y="{y + 13}" class="muted">no completed stays</text>')
    legend_y = height - 8
    for number, (_, label, colour) in enumerate(STAY_MIX):
        parts.append(f'<rect x="{label_width + number * 130}" y="{legend_y - 9}" width="10" height="10" fill="{colour}"/>'
                     f'<text x="{label_width + number * 130 + 14}" y="{legend_y}">{escape(label)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def weekday_hour_heatmap(cells: list[dict], *, cell_w: int = 44, cell_h: int = 22) -> str:
    """Weekday x local hour, coloured by the thresholds' colours, stronger as occupancy grows."""
    left, top_pad = 40, 18
    width, height = left + 24 * cell_w + 10, top_pad + 7 * cell_h + 6
    parts = [f'<svg id="weekday-hour-heatmap" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img">']
    for hour in range(24):
        parts.append(f'<text x="{left + hour * cell_w + cell_w / 2:.0f}" y="12" text-anchor="middle">{hour}</text>')
    for weekday, name in enumerate(WEEKDAYS, start=1):
        parts.append(f'<text x="{left - 6}" y="{top_pad + (weekday - 1) * cell_h + 15}" text-anchor="end">{name}</text>')
    for cell in cells:
        x = left + int(cell["hour"]) * cell_w
        y = top_pad + (int(cell["weekday"]) - 1) * cell_h
        rate = cell.get("avg_occupancy_rate")
        if rate is None:
            fill, opacity, text = "#e2e8f0", 1, "no instants"
        else:
            fill = STATUS_COLOURS[occupancy_status(rate)]
            opacity, text = 0.25 + 0.75 * min(float(rate), 100) / 100, f"{float(rate):.2f}%"
        parts.append(f'<rect class="heat-cell" x="{x + 1}" y="{y + 1}" width="{cell_w - 2}" height="{cell_h - 2}" '
                     f'fill="{fill}" opacity="{opacity:.2f}"><title>{WEEKDAYS[int(cell["weekday"]) - 1]} '
                     f'{int(cell["hour"]):02d}:00: {escape(text)} ({int(cell["instants"])} instants)</title></rect>')
    parts.append("</svg>")
    return "".join(parts)


def _visitors(visitors: dict) -> str:
    figures = [("Vehicles today", visitors.get("vehicles")), ("New", visitors.get("new_vehicles")),
               ("Returning", visitors.get("returning_vehicles")),
               ("Frequent (8+ visits in 30 days)", visitors.get("frequent_vehicles"))]
    return '<div class="cards">' + "".join(
        f'<div class="card"><div class="label">{escape(label)}</div><div class="value">{_fmt_int(value)}</div></div>'
        for label, value in figures) + "</div>"


def _operations(outputs: dict) -> str:
    """The Operations section: how space was used during D and in the last 4 weeks."""
    operations = outputs.get("operations")
    if operations is None:
        return ""
    zones = operations.get("zones") or []
    return (
        '<section id="operations"><h2>Operations: occupancy through the day (15-minute instants)</h2>'
        f'{_legend()}{timeline_chart(outputs.get("occupancy_timeline") or [])}'
        f'<h2>Zone KPIs of the day</h2>{_kpi_table(zones)}'
        f'<h2>Stay lengths (completed stays)</h2>{stay_mix_chart(zones)}'
        f'<h2>Occupancy by weekday and hour, the last 4 weeks</h2>'
        f'{weekday_hour_heatmap(operations.get("weekday_hour_occupancy") or [])}'
        f'<h2>Visitors</h2>{_visitors(operations.get("visitors") or {})}</section>'
    )


def render_index(*, outputs: dict, health: dict, trend: list[dict], meta: dict) -> str:
    """The page. `meta`: run_id, run_date, as_of, timezone, links {label: relative href}, files [names]."""
    summary = outputs.get("dashboard_summary") or {}
    revenue = outputs.get("revenue_report") or {}
    peak = outputs.get("peak_hours") or {}
    methods = [(r["payment_method"], float(r["amount"]), METHOD) for r in revenue.get("by_payment_method", [])]
    zones = [(r["slot__zone__name"], float(r["revenue"]), ZONE) for r in revenue.get("by_zone", [])]
    peak_list = ", ".join(f"{int(r['hour']):02d}:00 ({int(r['entries']):,})" for r in peak.get("peak_hours", []))
    links = " &middot; ".join(f'<a href="{escape(href)}">{escape(label)}</a>'
                              for label, href in meta.get("links", {}).items())
    files = " &middot; ".join(f'<a href="{escape(name)}">{escape(name)}</a>' for name in meta.get("files", []))
    title = f"Parking report {meta['run_date']}"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<header>
<h1>{escape(title)} {_badge(health.get("status", "unknown"), HEALTH_COLOURS.get(health.get("status"), "#64748b"))}</h1>
<div class="meta">As of {escape(str(meta["as_of"]))} ({escape(meta["timezone"])}) &middot; run {escape(meta["run_id"])}</div>
</header>
<main>
<section id="dashboard"><h2>Dashboard</h2>{_cards(summary)}</section>
<section id="zones"><h2>Zone occupancy at the end of the day</h2>{_legend()}{_zones(outputs.get("zone_occupancy") or [])}</section>
{_operations(outputs)}
<section id="peak"><h2>Entries by local hour, {escape(str((peak.get("period") or {}).get("from", "")))} to {escape(str((peak.get("period") or {}).get("to", "")))}</h2>
{hourly_chart(peak.get("hourly_breakdown") or [], peak.get("peak_hours") or [])}
<p class="muted">Peak hours: {escape(peak_list) or "none"}</p></section>
<section id="revenue"><h2>Revenue {escape(str((revenue.get("period") or {}).get("from", "")))}: {_fmt_money(revenue.get("total_revenue"))} from {_fmt_int(revenue.get("transaction_count"))} payments</h2>
<div class="grid2"><div><h2>By payment method</h2>{hbar_chart(methods, chart_id="revenue-by-method")}</div>
<div><h2>By zone</h2>{hbar_chart(zones, chart_id="revenue-by-zone")}</div></div></section>
<section id="trend"><h2>Occupancy rate (line) and daily revenue (bars), the 30 days up to {escape(meta["run_date"])}</h2>{_legend()}{trend_chart(trend, run_date=meta["run_date"])}</section>
<section id="health"><h2>Health</h2>{_health(health)}</section>
<section id="links"><h2>More</h2><p>{links}</p><p class="muted">Files: {files}</p></section>
</main>
</body>
</html>
"""
