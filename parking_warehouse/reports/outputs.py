"""The nine analytics outputs of ../shared/analytics-spec.md, read from the marts as JSON-ready values.

    con = duckdb.connect("warehouse.duckdb", read_only=True)
    outputs = build_outputs(con, timezone="Europe/Berlin")   # {"dashboard_summary": {...}, ...}

The marts (schema `marts`, built by dbt for run date D) already hold the answers; this module
only reads them in the spec's order and shapes: instants as ISO 8601 text with the local offset
(computed by DuckDB's ICU functions), money, rates and durations as floats (the marts round them
half-up to 2 decimals exactly), counts as ints, flags as bools, local dates as YYYY-MM-DD.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import duckdb

from parking_warehouse.errors import ParkingWarehouseError

OUTPUT_NAMES = (
    "dashboard_summary",
    "zone_occupancy",
    "revenue_report",
    "peak_hours",
    "active_sessions",
    "completed_sessions",
    "vehicle_analytics",
    "payment_analytics",
    "slot_usage",
)

# The operator KPIs (outputs 10-13), written beside the nine: occupancy_timeline.json and
# operations.json ({"zones": zone_day_kpis of D, "visitors": ..., "weekday_hour_occupancy": ...}).
OPERATOR_OUTPUT_NAMES = ("occupancy_timeline", "operations")

STAY_MIX_KEYS = {
    "under_15m": "stay_under_15m",
    "15m_1h": "stay_15m_1h",
    "1h_2h": "stay_1h_2h",
    "2h_4h": "stay_2h_4h",
    "4h_8h": "stay_4h_8h",
    "over_8h": "stay_over_8h",
}


def build_outputs(con: duckdb.DuckDBPyConnection, *, timezone: str) -> dict[str, object]:
    """All nine outputs for the run date the marts were built for."""
    run_date = marts_run_date(con)
    return {
        "dashboard_summary": dashboard_summary(con, timezone=timezone),
        "zone_occupancy": zone_occupancy(con),
        "revenue_report": revenue_report(con, run_date, run_date, timezone=timezone),
        "peak_hours": peak_hours(con),
        "active_sessions": active_sessions(con, timezone=timezone),
        "completed_sessions": completed_sessions(con, timezone=timezone),
        "vehicle_analytics": vehicles_of_the_day(con, timezone=timezone),
        "payment_analytics": payment_analytics(con, timezone=timezone),
        "slot_usage": slot_usage(con),
    }


def build_operator_outputs(con: duckdb.DuckDBPyConnection, *, timezone: str) -> dict[str, object]:
    """The operator KPI files for the run date the marts were built for."""
    return {
        "occupancy_timeline": occupancy_timeline(con, timezone=timezone),
        "operations": operations(con, timezone=timezone),
    }


def marts_run_date(con: duckdb.DuckDBPyConnection) -> date:
    """The run date D the marts describe."""
    present = con.execute(
        "select count(*) from information_schema.tables "
        "where table_schema = 'marts' and table_name = 'dashboard_summary'"
    ).fetchone()[0]
    if not present:
        raise ParkingWarehouseError(
            "the warehouse has no marts (marts.dashboard_summary): run `parking-warehouse build` first"
        )
    row = con.execute("select run_date from marts.dashboard_summary").fetchone()
    if row is None:
        raise ParkingWarehouseError("marts.dashboard_summary is empty: the build did not finish")
    return row[0]


# --------------------------------------------------------------------------- the nine outputs


def dashboard_summary(con, *, timezone: str) -> dict:
    return _one(con, f"""
        select
            total_slots,
            occupied_slots,
            available_slots,
            occupancy_rate,
            active_sessions,
            completed_sessions,
            revenue_today,
            users_today,
            strftime(run_date, '%Y-%m-%d') as run_date,
            {_iso('as_of')} as as_of
        from marts.dashboard_summary
    """, timezone)


def zone_occupancy(con) -> list[dict]:
    return _all(con, """
        select zone_id, zone_name, total_slots, occupied_slots, available_slots, occupancy_rate,
               active_sessions
        from marts.zone_occupancy
        order by zone_id
    """)


def revenue_report(con, date_from: date, date_to: date, *, timezone: str) -> dict:
    """Revenue for local dates date_from..date_to inclusive, summed from marts.revenue_daily.

    The daily grain holds all history up to T of the last build, so any range up to D is
    answered without rebuilding. `timezone` is accepted for symmetry: the dates are local already.
    """
    del timezone
    if date_from > date_to:
        raise ParkingWarehouseError(f"revenue report: from {date_from} is after to {date_to}")
    params = {"date_from": date_from, "date_to": date_to}
    in_period = "revenue_date between $date_from and $date_to"
    totals = _one(con, f"""
        select coalesce(sum(revenue), 0) as total_revenue,
               coalesce(sum(payment_count), 0)::bigint as transaction_count
        from marts.revenue_daily where {in_period}
    """, params=params)
    by_method = _all(con, f"""
        select payment_method, sum(revenue) as amount, sum(payment_count)::bigint as count
        from marts.revenue_daily where {in_period}
        group by payment_method
        order by amount desc, payment_method
    """, params=params)
    by_zone = _all(con, f"""
        select zone_name as slot__zone__name, sum(revenue) as revenue
        from marts.revenue_daily where {in_period}
        group by zone_name
        order by revenue desc, zone_name
    """, params=params)
    return {
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "total_revenue": totals["total_revenue"],
        "by_payment_method": by_method,
        "by_zone": by_zone,
        "transaction_count": totals["transaction_count"],
    }


def peak_hours(con) -> dict:
    run_date = marts_run_date(con)
    hourly = _all(con, "select hour, entries from marts.peak_hours order by hour")
    top = sorted(hourly, key=lambda row: (-row["entries"], row["hour"]))[:5]
    return {
        "period": {"from": (run_date - timedelta(days=29)).isoformat(), "to": run_date.isoformat()},
        "days": 30,
        "hourly_breakdown": hourly,
        "peak_hours": top,
    }


def active_sessions(con, *, timezone: str) -> list[dict]:
    return _all(con, f"""
        select session_id, vehicle_number, vehicle_type, owner_id, zone_id, zone_name, slot_id,
               slot_number, {_iso('entry_time')} as entry_time, duration_hours
        from marts.active_sessions
        order by marts.active_sessions.entry_time, session_id
    """, timezone)


def completed_sessions(con, *, timezone: str) -> list[dict]:
    return _all(con, f"""
        select session_id, vehicle_number, owner_id, zone_name, slot_number,
               {_iso('entry_time')} as entry_time, {_iso('exit_time')} as exit_time,
               duration_hours, amount, payment_status, payment_method
        from marts.completed_sessions
        order by marts.completed_sessions.exit_time desc, session_id desc
    """, timezone)


def vehicle_analytics(con, vehicle_number: str | None = None, *, timezone: str | None = None):
    """Every vehicle with a visit (a list, by plate), or the record of one plate (None if it has
    no visit). Instants are shown in `timezone`, by default the one of the last build."""
    if vehicle_number is None:
        return _vehicle_records(con, "", None, timezone)
    records = _vehicle_records(con, "where vehicle_number = $plate", {"plate": vehicle_number}, timezone)
    return records[0] if records else None


def vehicles_of_the_day(con, *, timezone: str | None = None) -> list[dict]:
    """The daily file's vehicle_analytics: the vehicles with a visit entering in W(D), with their
    whole history's figures, by plate ("Report files at scale": the file follows the day, the
    mart keeps every vehicle)."""
    return _vehicle_records(con, """
        where vehicle_id in (
            select vehicle_id from core.fct_parking_sessions
            where status <> 'cancelled'
                and entry_date_local = (select run_date from marts.dashboard_summary)
        )
    """, None, timezone)


def _vehicle_records(con, where: str, params: dict | None, timezone: str | None) -> list[dict]:
    rows = _all(con, f"""
        select vehicle_number, vehicle_type, owner_id, total_visits, total_expenses,
               average_session_cost, preferred_zone, cash_count, cash_amount, online_count,
               online_amount, {_iso('first_visit')} as first_visit,
               {_iso('last_visit')} as last_visit
        from marts.vehicle_analytics
        {where}
        order by vehicle_number
    """, timezone or _build_timezone(con), params=params)
    return [_vehicle_record(row) for row in rows]


def payment_analytics(con, *, timezone: str) -> dict:
    summary = _one(con, """
        select total_revenue, transaction_count, average_payment from marts.payment_analytics
    """)
    summary["by_method"] = _all(con, """
        select payment_method, amount, count from marts.payment_by_method
        order by amount desc, payment_method
    """)
    summary["by_status"] = _all(con, """
        select status, count, amount from marts.payment_by_status order by status
    """)
    summary["recent_transactions"] = _all(con, f"""
        select payment_id, session_id, vehicle_number, amount, payment_method, status,
               transaction_id, {_iso('created_at')} as created_at, {_iso('paid_at')} as paid_at
        from marts.recent_transactions
        order by marts.recent_transactions.created_at desc, payment_id desc
    """, timezone)
    return summary


def slot_usage(con) -> list[dict]:
    return _all(con, """
        select slot_id, slot_number, zone_id, zone_name, slot_type, total_sessions, revenue,
               is_occupied, usage_rank
        from marts.slot_usage
        order by usage_rank
    """)


# --------------------------------------------------------------------------- operator KPIs


def occupancy_timeline(con, *, timezone: str) -> list[dict]:
    return _all(con, f"""
        select zone_id, zone_name, {_iso('"at"')} as "at", occupied_slots, total_slots,
               occupancy_rate
        from marts.occupancy_timeline
        order by zone_id, marts.occupancy_timeline."at"
    """, timezone)


def operations(con, *, timezone: str) -> dict:
    """zone_day_kpis of D (the zones by zone_id, then "All zones"), visitors, weekday x hour."""
    run_date = marts_run_date(con)
    stay_mix = ", ".join(f"'{key}': {column}" for key, column in STAY_MIX_KEYS.items())
    zones = _all(con, f"""
        select zone_id, zone_name, total_slots, sessions_started, turnover, occupied_hours,
               utilization_rate, peak_occupied_slots, peak_occupancy_rate,
               {_iso('peak_at')} as peak_at, revenue, revpas, completed_stays, avg_stay_minutes,
               median_stay_minutes, {{{stay_mix}}} as stay_mix, unpaid_sessions, unpaid_amount
        from marts.zone_day_kpis
        where kpi_date = $run_date
        order by zone_id nulls last
    """, timezone, params={"run_date": run_date})
    visitors = _one(con, """
        select vehicles, new_vehicles, returning_vehicles, frequent_vehicles from marts.visitors
    """)
    weekday_hour = _all(con, """
        select weekday, hour, instants, avg_occupancy_rate
        from marts.weekday_hour_occupancy
        order by weekday, hour
    """)
    return {"zones": zones, "visitors": visitors, "weekday_hour_occupancy": weekday_hour}


# --------------------------------------------------------------------------- helpers


def _iso(column: str) -> str:
    """SQL for an instant as ISO 8601 local time with offset (`2026-03-08T01:30:00-05:00`);
    fractional seconds only when present. The offset comes from ICU, never from arithmetic
    on zone rules."""
    local = f"timezone($tz, {column})"
    offset = f"date_diff('minute', timezone('UTC', {column}), {local})"
    return f"""(
        strftime({local}, '%Y-%m-%dT%H:%M:%S')
        || case when epoch_us({column}) % 1000000 <> 0 then strftime({local}, '.%f') else '' end
        || printf('%s%02d:%02d', case when {offset} < 0 then '-' else '+' end,
                  abs({offset}) // 60, abs({offset}) % 60)
    )"""


def _build_timezone(con) -> str:
    """The operator time zone the marts were built with."""
    return con.execute("select timezone from marts.dashboard_summary").fetchone()[0]


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _all(con, sql: str, timezone: str | None = None, *, params: dict | None = None) -> list[dict]:
    params = dict(params or {})
    if timezone is not None:
        params["tz"] = timezone
    cursor = con.execute(sql, params or None)
    names = [column[0] for column in cursor.description]
    return [{name: _plain(value) for name, value in zip(names, row)} for row in cursor.fetchall()]


def _one(con, sql: str, timezone: str | None = None, *, params: dict | None = None) -> dict:
    rows = _all(con, sql, timezone, params=params)
    if len(rows) != 1:
        raise ParkingWarehouseError(f"expected one row, got {len(rows)}: {' '.join(sql.split())[:80]}")
    return rows[0]


def _vehicle_record(row: dict) -> dict:
    return {
        "vehicle_number": row["vehicle_number"],
        "vehicle_type": row["vehicle_type"],
        "owner_id": row["owner_id"],
        "total_visits": row["total_visits"],
        "total_expenses": row["total_expenses"],
        "average_session_cost": row["average_session_cost"],
        "preferred_zone": row["preferred_zone"],
        "payment_methods": {
            "cash": {"count": row["cash_count"], "amount": row["cash_amount"]},
            "online": {"count": row["online_count"], "amount": row["online_amount"]},
        },
        "first_visit": row["first_visit"],
        "last_visit": row["last_visit"],
    }
