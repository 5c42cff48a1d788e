"""marts.analytics_reports: the daily/weekly/monthly/custom reports kept in the warehouse.

One row per report type and period: storing a report again replaces it (keeping its id),
never duplicates it. The daily run stores its reports in the working copy before publishing,
so they are published with the marts they were computed from.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from parking_warehouse.duckdb_resources import connect
from parking_warehouse.reports.records import fetch_records, json_bytes, table_exists

REPORT_TYPES = ("daily", "weekly", "monthly", "custom")

_DDL = """
create schema if not exists marts;
create table if not exists marts.analytics_reports (
    id            bigint      not null,
    report_type   varchar     not null,
    title         varchar     not null,
    period_from   date        not null,
    period_to     date        not null,
    data          json        not null,
    generated_by  bigint,
    created_at    timestamptz not null
);
"""


def scheduled_periods(run_date: date) -> list[tuple[str, date, date]]:
    """The reports a run for D stores: daily always, weekly when D is a Sunday, monthly at month end."""
    periods = [("daily", run_date, run_date)]
    if run_date.isoweekday() == 7:
        periods.append(("weekly", run_date - timedelta(days=6), run_date))
    if (run_date + timedelta(days=1)).day == 1:
        periods.append(("monthly", run_date.replace(day=1), run_date))
    return periods


def report_title(report_type: str, date_from: date, date_to: date) -> str:
    if report_type == "daily" and date_from == date_to:
        return f"Daily report {date_to.isoformat()}"
    if report_type == "weekly":
        year, week, _ = date_to.isocalendar()
        return f"Weekly report {year}-W{week:02d} ({date_from.isoformat()} to {date_to.isoformat()})"
    if report_type == "monthly":
        return f"Monthly report {date_from.strftime('%Y-%m')}"
    return f"{report_type.capitalize()} report {date_from.isoformat()} to {date_to.isoformat()}"


def period_report_data(con, date_from: date, date_to: date, *, timezone: str) -> dict:
    """A period's report: the revenue report over it and the stored daily metrics inside it."""
    from parking_warehouse.reports.outputs import revenue_report

    metrics = []
    if table_exists(con, "marts", "system_metrics"):
        metrics = fetch_records(
            con, "select * from marts.system_metrics where run_date between ? and ? order by run_date",
            [date_from, date_to], timezone=timezone,
        )
    return {
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "revenue_report": revenue_report(con, date_from, date_to, timezone=timezone),
        "system_metrics": metrics,
    }


def upsert_report(con, *, report_type: str, date_from: date, date_to: date, data: dict,
                  generated_by: int | None) -> int:
    """Store a report, replacing the one of the same type and period; returns its id."""
    con.execute(_DDL)
    title = report_title(report_type, date_from, date_to)
    con.execute("begin transaction")
    try:
        report_id = _report_id(con, report_type, date_from, date_to)
        _delete_report(con, report_type, date_from, date_to)
        con.execute(
            "insert into marts.analytics_reports values (?, ?, ?, ?, ?, ?, ?, ?)",
            [report_id, report_type, title, date_from, date_to, json_bytes(data).decode("utf-8"),
             generated_by, datetime.now(UTC)],
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return report_id


def _report_id(con, report_type: str, date_from: date, date_to: date) -> int:
    """The id of the stored report of this type and period, or the next free id."""
    (report_id,) = con.execute(
        """
        select coalesce(
            (select min(id) from marts.analytics_reports
             where report_type = $type and period_from = $from and period_to = $to),
            (select coalesce(max(id), 0) + 1 from marts.analytics_reports))
        """,
        {"type": report_type, "from": date_from, "to": date_to},
    ).fetchone()
    return report_id


def _delete_report(con, report_type: str, date_from: date, date_to: date) -> None:
    con.execute(
        "delete from marts.analytics_reports where report_type = ? and period_from = ? and period_to = ?",
        [report_type, date_from, date_to],
    )


def store_scheduled_reports(warehouse: Path, *, run_date: date, timezone: str) -> list[str]:
    """Store the daily report for D (and the weekly/monthly one when D ends a week/month)."""
    from parking_warehouse.reports.outputs import build_outputs

    stored = []
    con = connect(warehouse)
    try:
        for report_type, date_from, date_to in scheduled_periods(run_date):
            if report_type == "daily":
                data = build_outputs(con, timezone=timezone)
            else:
                data = period_report_data(con, date_from, date_to, timezone=timezone)
            upsert_report(con, report_type=report_type, date_from=date_from, date_to=date_to,
                          data=data, generated_by=None)
            stored.append(report_title(report_type, date_from, date_to))
    finally:
        con.close()
    return stored


def carry_over_requested_reports(working: Path, published: Path) -> int:
    """Copy the reports people asked for (generated_by set) from the published file into a
    working copy made before they were stored, so publishing it does not lose them."""
    con = connect(working)
    try:
        con.execute(_DDL)
        con.execute(f"attach '{str(published).replace(chr(39), chr(39) * 2)}' as published (read_only)")
        try:
            if not con.execute("select count(*) from duckdb_tables() where database_name = 'published' "
                               "and schema_name = 'marts' and table_name = 'analytics_reports'").fetchone()[0]:
                return 0
            requested = con.execute(
                "select id, report_type, title, period_from, period_to, data::varchar, generated_by, created_at "
                "from published.marts.analytics_reports where generated_by is not null order by id"
            ).fetchall()
            for report_id, report_type, title, date_from, date_to, data, generated_by, created_at in requested:
                # The requested report was published first, so people may already know its id:
                # it keeps it, and a report this run stored under the same id moves to a free one.
                _delete_report(con, report_type, date_from, date_to)
                con.execute(
                    "update marts.analytics_reports set id = (select max(id) + 1 from marts.analytics_reports) "
                    "where id = ?", [report_id])
                con.execute("insert into marts.analytics_reports values (?, ?, ?, ?, ?, ?, ?, ?)",
                            [report_id, report_type, title, date_from, date_to, data, generated_by, created_at])
        finally:
            con.execute("detach published")
    finally:
        con.close()
    return len(requested)
