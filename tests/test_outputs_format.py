"""build_outputs turns mart rows into the spec's JSON shapes: ISO instants with the local offset,
floats for DECIMAL, ints for counts, bools for flags. Fast: hand-made marts, no dbt."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import pytest

from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.reports.outputs import _iso, build_outputs, revenue_report, vehicle_analytics


@pytest.mark.parametrize("instant, tz, expected", [
    ("2026-03-08 06:30:00+00", "America/New_York", "2026-03-08T01:30:00-05:00"),
    ("2026-03-08 08:30:00+00", "America/New_York", "2026-03-08T04:30:00-04:00"),
    ("2026-03-29 22:00:00+00", "Europe/Berlin", "2026-03-30T00:00:00+02:00"),
    ("2026-01-01 00:00:00.25+00", "Asia/Kolkata", "2026-01-01T05:30:00.250000+05:30"),
    ("2026-01-01 00:00:00+00", "UTC", "2026-01-01T00:00:00+00:00"),
])
def test_instants_are_iso_8601_with_the_local_offset(instant, tz, expected):
    con = duckdb.connect()
    value = con.execute(f"select {_iso('t')} from (select timestamptz '{instant}' as t)",
                        {"tz": tz}).fetchone()[0]
    assert value == expected


@pytest.fixture
def marts():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute("""create table marts.dashboard_summary as select date '2026-03-08' as run_date,
        timestamptz '2026-03-09 04:00:00+00' as as_of, 'America/New_York' as timezone,
        3 as total_slots, 1 as occupied_slots, 2 as available_slots,
        33.33::decimal(18,2) as occupancy_rate, 1::bigint as active_sessions,
        0::bigint as completed_sessions, 0.10::decimal(18,2) as revenue_today, 1::bigint as users_today""")
    con.execute("""create table marts.revenue_daily as select * from (values
        (date '2026-03-07', 1, 'Center', 'cash', 1.05::decimal(18,2), 1::bigint),
        (date '2026-03-08', 1, 'Center', 'online', 0.10::decimal(18,2), 1::bigint),
        (date '2026-03-08', 2, 'Airport', 'cash', 0.10::decimal(18,2), 2::bigint)
        ) t(revenue_date, zone_id, zone_name, payment_method, revenue, payment_count)""")
    con.execute("create table marts.zone_occupancy as select 1 as zone_id, 'Center' as zone_name, "
                "3 as total_slots, 1 as occupied_slots, 2 as available_slots, "
                "33.33::decimal(18,2) as occupancy_rate, 1::bigint as active_sessions")
    con.execute("create table marts.peak_hours as select range::integer as hour, "
                "(case when range in (3, 7) then 2 else 0 end)::bigint as entries from range(24)")
    con.execute("""create table marts.active_sessions as select 1::bigint as session_id,
        'B 1' as vehicle_number, 'car' as vehicle_type, null::bigint as owner_id, 1 as zone_id,
        'Center' as zone_name, 1 as slot_id, 'A1' as slot_number,
        timestamptz '2026-03-08 06:30:00+00' as entry_time, 22.5::decimal(18,2) as duration_hours""")
    con.execute("""create table marts.completed_sessions as select 2::bigint as session_id,
        'B 1' as vehicle_number, 7::bigint as owner_id, 'Center' as zone_name, 'A1' as slot_number,
        timestamptz '2026-03-08 06:30:00+00' as entry_time,
        timestamptz '2026-03-08 08:30:00+00' as exit_time, 1.00::decimal(18,2) as duration_hours,
        null::decimal(10,2) as amount, 'unpaid' as payment_status, null as payment_method""")
    con.execute("""create table marts.vehicle_analytics as select 1 as vehicle_id,
        'B 1' as vehicle_number, 'car' as vehicle_type, null::bigint as owner_id,
        2::bigint as total_visits, 0.00::decimal(18,2) as total_expenses,
        0.00::decimal(18,2) as average_session_cost, 'Center' as preferred_zone,
        0::bigint as cash_count, 0.00::decimal(18,2) as cash_amount, 0::bigint as online_count,
        0.00::decimal(18,2) as online_amount, timestamptz '2026-03-08 06:30:00+00' as first_visit,
        timestamptz '2026-03-08 06:30:00+00' as last_visit""")
    # a second vehicle whose only visit entered the day before: in the mart, not in the day's file
    con.execute("""insert into marts.vehicle_analytics select 2, 'A 2', 'car', null, 1, 0, 0, 'Center',
        0, 0, 0, 0, timestamptz '2026-03-07 06:30:00+00', timestamptz '2026-03-07 06:30:00+00'""")
    con.execute("create schema core")
    con.execute("""create table core.fct_parking_sessions as select * from (values
        (1, 'completed', date '2026-03-08'), (1, 'cancelled', date '2026-03-07'),
        (2, 'completed', date '2026-03-07'), (2, 'cancelled', date '2026-03-08')
        ) t(vehicle_id, status, entry_date_local)""")
    con.execute("create table marts.payment_analytics as select 1.25::decimal(18,2) as total_revenue, "
                "4::bigint as transaction_count, 0.31::decimal(18,2) as average_payment")
    con.execute("create table marts.payment_by_method as select 'cash' as payment_method, "
                "1.25::decimal(18,2) as amount, 4::bigint as count")
    con.execute("create table marts.payment_by_status as select 'completed' as status, "
                "4::bigint as count, 1.25::decimal(18,2) as amount")
    con.execute("""create table marts.recent_transactions as select 9::bigint as payment_id,
        2::bigint as session_id, 'B 1' as vehicle_number, 0.10::decimal(10,2) as amount,
        'cash' as payment_method, 'pending' as status, 'TX 9 ' as transaction_id,
        timestamptz '2026-03-08 08:30:00+00' as created_at, null::timestamptz as paid_at""")
    con.execute("""create table marts.slot_usage as select 1 as slot_id, 'A1' as slot_number,
        1 as zone_id, 'Center' as zone_name, 'regular' as slot_type, 2::bigint as total_sessions,
        0.00::decimal(18,2) as revenue, true as is_occupied, 1 as usage_rank""")
    yield con
    con.close()


def test_outputs_are_json_shapes_with_strict_types(marts):
    outputs = build_outputs(marts, timezone="America/New_York")
    assert json.loads(json.dumps(outputs)) == outputs
    dashboard = outputs["dashboard_summary"]
    assert dashboard["as_of"] == "2026-03-09T00:00:00-04:00"
    assert dashboard["run_date"] == "2026-03-08"
    assert isinstance(dashboard["occupancy_rate"], float) and dashboard["occupancy_rate"] == 33.33
    assert isinstance(dashboard["active_sessions"], int)
    assert outputs["active_sessions"][0]["entry_time"] == "2026-03-08T01:30:00-05:00"
    assert outputs["completed_sessions"][0]["exit_time"] == "2026-03-08T04:30:00-04:00"
    assert outputs["completed_sessions"][0]["amount"] is None
    assert outputs["slot_usage"][0]["is_occupied"] is True
    assert [v["vehicle_number"] for v in outputs["vehicle_analytics"]] == ["B 1"]
    assert [v["vehicle_number"] for v in vehicle_analytics(marts)] == ["A 2", "B 1"]
    assert outputs["vehicle_analytics"][0]["payment_methods"] == {
        "cash": {"count": 0, "amount": 0.0}, "online": {"count": 0, "amount": 0.0}}
    assert outputs["payment_analytics"]["recent_transactions"][0]["paid_at"] is None
    assert outputs["peak_hours"]["peak_hours"] == [
        {"hour": 3, "entries": 2}, {"hour": 7, "entries": 2}, {"hour": 0, "entries": 0},
        {"hour": 1, "entries": 0}, {"hour": 2, "entries": 0}]
    assert outputs["peak_hours"]["period"] == {"from": "2026-02-07", "to": "2026-03-08"}


def test_revenue_report_orders_ties_by_name(marts):
    report = revenue_report(marts, date(2026, 3, 8), date(2026, 3, 8), timezone="America/New_York")
    assert report == {
        "period": {"from": "2026-03-08", "to": "2026-03-08"},
        "total_revenue": 0.2,
        "by_payment_method": [{"payment_method": "cash", "amount": 0.1, "count": 2},
                              {"payment_method": "online", "amount": 0.1, "count": 1}],
        "by_zone": [{"slot__zone__name": "Airport", "revenue": 0.1},
                    {"slot__zone__name": "Center", "revenue": 0.1}],
        "transaction_count": 3,
    }
    empty = revenue_report(marts, date(2025, 1, 1), date(2025, 1, 2), timezone="UTC")
    assert empty["total_revenue"] == 0.0 and empty["by_zone"] == [] and empty["transaction_count"] == 0
    with pytest.raises(ParkingWarehouseError, match="after"):
        revenue_report(marts, date(2026, 3, 9), date(2026, 3, 8), timezone="UTC")


def test_missing_marts_are_a_clear_error():
    with pytest.raises(ParkingWarehouseError, match="parking-warehouse build"):
        build_outputs(duckdb.connect(), timezone="UTC")
