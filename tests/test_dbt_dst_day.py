"""The marts on one hand-made day whose right answers are worked out by hand.

Run date D = 2026-03-29 in Europe/Berlin, the day clocks jump from 02:00 CET to 03:00 CEST:
W(D) = [2026-03-28 23:00 UTC, 2026-03-29 22:00 UTC), T = 2026-03-29 22:00 UTC (23 hours).

Zones: 1 Center, 2 North, 3 Old (inactive). Slots: 1 A1, 2 A2 (Center), 3 B1, 4 B2 (North; B2
inactive), 5 C1 (Old), 6 A3 (Center, created after T). Counted: A1, A2, B1.
Sessions (UTC):
  1 A1 v1  03-28 21:00 -> 03-29 01:30  crosses local midnight, exit in W(D), 4.5 h
  2 B1 v2  03-29 00:30 -> 01:30        01:30 CET -> 03:30 CEST: 1.0 h across the DST jump
  3 A2 v3  03-29 08:00 -> 03-30 07:00  status completed now, but active at T (14 h at T)
  4 C1 v4  03-29 12:00 -> open         active on a slot of an inactive zone
  5 B1 v1  03-29 20:00 cancelled       not a visit
  6 B2 v2  03-29 21:59:59 -> open      active on an inactive slot
  7 A1 v4  03-29 22:00 = T -> open     entered exactly at T: active at T, belongs to D+1
  8 A2 v1  03-29 10:00 -> 22:00 = T    exited exactly at T: completed by T, not in D's count
  9 A1 v2  03-20 09:00 -> 11:00        history
Payments: 1 s1 9.00 cash paid 01:31; 2 s2 2.00 online refunded; 3 s2 2.00 online paid 01:35;
4 s3 46.00 cash created 21:00, paid after T (pending at T); 5 s8 3.00 cash paid exactly at T;
6 s9 4.00 cash; 7 s9 4.00 online failed; 8 s3 created after T (does not exist yet).
"""

from __future__ import annotations

from datetime import date

import pytest
from sourcedb import SourceDB
from test_dbt_support import build, outputs_of, query

BERLIN = "Europe/Berlin"
D = date(2026, 3, 29)


@pytest.fixture(scope="module")
def day(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dst_day")
    db = SourceDB(folder / "source.sqlite3")
    u1 = db.user(role="user")
    u2 = db.user(role="user")
    center = db.zone("Center")
    north = db.zone("North")
    old = db.zone("Old", is_active=0)
    a1 = db.slot(center, "A1")
    a2 = db.slot(center, "A2")
    b1 = db.slot(north, "B1")
    b2 = db.slot(north, "B2", is_active=0)
    c1 = db.slot(old, "C1")
    db.slot(center, "A3", created="2026-04-01 00:00:00")
    v1 = db.vehicle("B-AB 1", owner=u1)
    v2 = db.vehicle("B-CD 2", owner=u1)
    v3 = db.vehicle("M-XY 3")
    v4 = db.vehicle("a-lower 4", owner=u2)
    s1 = db.session(a1, v1, entry="2026-03-28 21:00:00", exit="2026-03-29 01:30:00", amount="9.00")
    s2 = db.session(b1, v2, entry="2026-03-29 00:30:00", exit="2026-03-29 01:30:00", amount="2.00")
    s3 = db.session(a2, v3, entry="2026-03-29 08:00:00", exit="2026-03-30 07:00:00", amount="46.00")
    db.session(c1, v4, entry="2026-03-29 12:00:00")
    db.session(b1, v1, entry="2026-03-29 20:00:00", status="cancelled")
    db.session(b2, v2, entry="2026-03-29 21:59:59")
    db.session(a1, v4, entry="2026-03-29 22:00:00")
    s8 = db.session(a2, v1, entry="2026-03-29 10:00:00", exit="2026-03-29 22:00:00", amount="24.00")
    s9 = db.session(a1, v2, entry="2026-03-20 09:00:00", exit="2026-03-20 11:00:00", amount="4.00")
    db.payment(s1, "9.00", paid_at="2026-03-29 01:31:00", transaction_id="TX-1")
    db.payment(s2, "2.00", method="online", status="refunded", paid_at="2026-03-29 01:30:05",
               created="2026-03-29 01:30:00", updated="2026-03-29 09:00:00", transaction_id="TX-2")
    db.payment(s2, "2.00", method="online", paid_at="2026-03-29 01:35:00",
               created="2026-03-29 01:34:00", transaction_id="TX-3")
    db.payment(s3, "46.00", paid_at="2026-03-30 07:00:10", created="2026-03-29 21:00:00",
               transaction_id="TX-4")
    db.payment(s8, "3.00", paid_at="2026-03-29 22:00:00", transaction_id="TX-5")
    db.payment(s9, "4.00", paid_at="2026-03-20 11:00:05", transaction_id="TX-6")
    db.payment(s9, "4.00", method="online", status="failed", created="2026-03-20 10:59:00",
               transaction_id="TX-7")
    db.payment(s3, "1.00", status="pending", created="2026-03-30 08:00:00", transaction_id="TX-8")
    warehouse = folder / "warehouse.duckdb"
    build(db, warehouse, D, BERLIN)
    outputs = outputs_of(warehouse, BERLIN)
    yield warehouse, outputs
    db.close()


def test_dashboard_counts_sessions_and_revenue_as_of_t(day):
    _, outputs = day
    assert outputs["dashboard_summary"] == {
        "total_slots": 3, "occupied_slots": 2, "available_slots": 1, "occupancy_rate": 66.67,
        "active_sessions": 4, "completed_sessions": 2, "revenue_today": 11.0, "users_today": 3,
        "run_date": "2026-03-29", "as_of": "2026-03-30T00:00:00+02:00",
    }


def test_zone_occupancy_counts_active_sessions_on_any_slot(day):
    _, outputs = day
    assert outputs["zone_occupancy"] == [
        {"zone_id": 1, "zone_name": "Center", "total_slots": 2, "occupied_slots": 2,
         "available_slots": 0, "occupancy_rate": 100.0, "active_sessions": 2},
        {"zone_id": 2, "zone_name": "North", "total_slots": 1, "occupied_slots": 0,
         "available_slots": 1, "occupancy_rate": 0.0, "active_sessions": 1},
    ]


def test_revenue_report_excludes_refunds_and_payments_after_t(day):
    _, outputs = day
    assert outputs["revenue_report"] == {
        "period": {"from": "2026-03-29", "to": "2026-03-29"},
        "total_revenue": 11.0,
        "by_payment_method": [{"payment_method": "cash", "amount": 9.0, "count": 1},
                              {"payment_method": "online", "amount": 2.0, "count": 1}],
        "by_zone": [{"slot__zone__name": "Center", "revenue": 9.0},
                    {"slot__zone__name": "North", "revenue": 2.0}],
        "transaction_count": 2,
    }


def test_payment_exactly_at_t_is_revenue_of_the_next_day(day):
    warehouse, _ = day
    assert query(warehouse, "select revenue_date, zone_name, revenue from marts.revenue_daily "
                            "order by revenue_date") == [
        (date(2026, 3, 20), "Center", 4), (date(2026, 3, 29), "Center", 9),
        (date(2026, 3, 29), "North", 2), (date(2026, 3, 30), "Center", 3),
    ]


def test_peak_hours_use_local_hours_on_the_dst_day(day):
    _, outputs = day
    peak = outputs["peak_hours"]
    assert peak["period"] == {"from": "2026-02-28", "to": "2026-03-29"}
    assert peak["days"] == 30
    entries = {row["hour"]: row["entries"] for row in peak["hourly_breakdown"]}
    assert list(entries) == list(range(24))
    assert {h: n for h, n in entries.items() if n} == {1: 1, 10: 2, 12: 1, 14: 1, 22: 1, 23: 1}
    assert peak["peak_hours"] == [{"hour": 10, "entries": 2}, {"hour": 1, "entries": 1},
                                  {"hour": 12, "entries": 1}, {"hour": 14, "entries": 1},
                                  {"hour": 22, "entries": 1}]


def test_active_sessions_include_entry_at_t_and_sessions_completed_later(day):
    _, outputs = day
    assert outputs["active_sessions"] == [
        {"session_id": 3, "vehicle_number": "M-XY 3", "vehicle_type": "car", "owner_id": None,
         "zone_id": 1, "zone_name": "Center", "slot_id": 2, "slot_number": "A2",
         "entry_time": "2026-03-29T10:00:00+02:00", "duration_hours": 14.0},
        {"session_id": 4, "vehicle_number": "a-lower 4", "vehicle_type": "car", "owner_id": 2,
         "zone_id": 3, "zone_name": "Old", "slot_id": 5, "slot_number": "C1",
         "entry_time": "2026-03-29T14:00:00+02:00", "duration_hours": 10.0},
        {"session_id": 6, "vehicle_number": "B-CD 2", "vehicle_type": "car", "owner_id": 1,
         "zone_id": 2, "zone_name": "North", "slot_id": 4, "slot_number": "B2",
         "entry_time": "2026-03-29T23:59:59+02:00", "duration_hours": 0.0},
        {"session_id": 7, "vehicle_number": "a-lower 4", "vehicle_type": "car", "owner_id": 2,
         "zone_id": 1, "zone_name": "Center", "slot_id": 1, "slot_number": "A1",
         "entry_time": "2026-03-30T00:00:00+02:00", "duration_hours": 0.0},
    ]


def test_completed_sessions_measure_real_elapsed_time_across_dst(day):
    _, outputs = day
    assert outputs["completed_sessions"] == [
        {"session_id": 8, "vehicle_number": "B-AB 1", "owner_id": 1, "zone_name": "Center",
         "slot_number": "A2", "entry_time": "2026-03-29T12:00:00+02:00",
         "exit_time": "2026-03-30T00:00:00+02:00", "duration_hours": 12.0, "amount": 24.0,
         "payment_status": "completed", "payment_method": "cash"},
        {"session_id": 2, "vehicle_number": "B-CD 2", "owner_id": 1, "zone_name": "North",
         "slot_number": "B1", "entry_time": "2026-03-29T01:30:00+01:00",
         "exit_time": "2026-03-29T03:30:00+02:00", "duration_hours": 1.0, "amount": 2.0,
         "payment_status": "completed", "payment_method": "online"},
        {"session_id": 1, "vehicle_number": "B-AB 1", "owner_id": 1, "zone_name": "Center",
         "slot_number": "A1", "entry_time": "2026-03-28T22:00:00+01:00",
         "exit_time": "2026-03-29T03:30:00+02:00", "duration_hours": 4.5, "amount": 9.0,
         "payment_status": "completed", "payment_method": "cash"},
        {"session_id": 9, "vehicle_number": "B-CD 2", "owner_id": 1, "zone_name": "Center",
         "slot_number": "A1", "entry_time": "2026-03-20T10:00:00+01:00",
         "exit_time": "2026-03-20T12:00:00+01:00", "duration_hours": 2.0, "amount": 4.0,
         "payment_status": "completed", "payment_method": "cash"},
    ]


def test_vehicle_analytics_by_plate_in_code_point_order(day):
    _, outputs = day
    empty = {"count": 0, "amount": 0.0}
    assert outputs["vehicle_analytics"] == [
        {"vehicle_number": "B-AB 1", "vehicle_type": "car", "owner_id": 1, "total_visits": 2,
         "total_expenses": 12.0, "average_session_cost": 6.0, "preferred_zone": "Center",
         "payment_methods": {"cash": {"count": 2, "amount": 12.0}, "online": empty},
         "first_visit": "2026-03-28T22:00:00+01:00", "last_visit": "2026-03-29T12:00:00+02:00"},
        {"vehicle_number": "B-CD 2", "vehicle_type": "car", "owner_id": 1, "total_visits": 3,
         "total_expenses": 6.0, "average_session_cost": 2.0, "preferred_zone": "North",
         "payment_methods": {"cash": {"count": 1, "amount": 4.0},
                             "online": {"count": 1, "amount": 2.0}},
         "first_visit": "2026-03-20T10:00:00+01:00", "last_visit": "2026-03-29T23:59:59+02:00"},
        {"vehicle_number": "M-XY 3", "vehicle_type": "car", "owner_id": None, "total_visits": 1,
         "total_expenses": 0.0, "average_session_cost": 0.0, "preferred_zone": "Center",
         "payment_methods": {"cash": empty, "online": empty},
         "first_visit": "2026-03-29T10:00:00+02:00", "last_visit": "2026-03-29T10:00:00+02:00"},
        {"vehicle_number": "a-lower 4", "vehicle_type": "car", "owner_id": 2, "total_visits": 2,
         "total_expenses": 0.0, "average_session_cost": 0.0, "preferred_zone": "Center",
         "payment_methods": {"cash": empty, "online": empty},
         "first_visit": "2026-03-29T14:00:00+02:00", "last_visit": "2026-03-30T00:00:00+02:00"},
    ]


def test_one_plate_can_be_asked_for(day):
    import duckdb

    from parking_warehouse.reports.outputs import vehicle_analytics

    warehouse, outputs = day
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        assert vehicle_analytics(con, "M-XY 3") == outputs["vehicle_analytics"][2]
        assert vehicle_analytics(con, "NOPE") is None
    finally:
        con.close()


def test_payment_analytics_show_payments_as_they_stood_at_t(day):
    _, outputs = day
    payments = outputs["payment_analytics"]
    assert {k: payments[k] for k in ("total_revenue", "transaction_count", "average_payment")} == {
        "total_revenue": 18.0, "transaction_count": 4, "average_payment": 4.5}
    assert payments["by_method"] == [{"payment_method": "cash", "amount": 16.0, "count": 3},
                                     {"payment_method": "online", "amount": 2.0, "count": 1}]
    assert payments["by_status"] == [
        {"status": "completed", "count": 4, "amount": 18.0},
        {"status": "failed", "count": 1, "amount": 4.0},
        {"status": "pending", "count": 1, "amount": 46.0},
        {"status": "refunded", "count": 1, "amount": 2.0},
    ]
    recent = payments["recent_transactions"]
    assert [row["payment_id"] for row in recent] == [5, 4, 3, 1, 2, 6, 7]
    assert recent[1] == {
        "payment_id": 4, "session_id": 3, "vehicle_number": "M-XY 3", "amount": 46.0,
        "payment_method": "cash", "status": "pending", "transaction_id": "TX-4",
        "created_at": "2026-03-29T23:00:00+02:00", "paid_at": None,
    }


def test_slot_usage_ranks_counted_slots(day):
    _, outputs = day
    assert outputs["slot_usage"] == [
        {"slot_id": 1, "slot_number": "A1", "zone_id": 1, "zone_name": "Center",
         "slot_type": "regular", "total_sessions": 3, "revenue": 13.0, "is_occupied": True,
         "usage_rank": 1},
        {"slot_id": 2, "slot_number": "A2", "zone_id": 1, "zone_name": "Center",
         "slot_type": "regular", "total_sessions": 2, "revenue": 3.0, "is_occupied": True,
         "usage_rank": 2},
        {"slot_id": 3, "slot_number": "B1", "zone_id": 2, "zone_name": "North",
         "slot_type": "regular", "total_sessions": 1, "revenue": 2.0, "is_occupied": False,
         "usage_rank": 3},
    ]


def test_system_metrics_store_the_day_with_its_status(day):
    warehouse, _ = day
    rows = query(warehouse, """
        select run_date, strftime(timezone('Europe/Berlin', "timestamp"), '%Y-%m-%d %H:%M'),
               occupancy_rate, daily_revenue, active_sessions, occupancy_status
        from marts.system_metrics""")
    assert [tuple(map(str, row)) for row in rows] == [
        ("2026-03-29", "2026-03-30 00:00", "66.67", "11.00", "4", "warning")]


def test_custom_range_revenue_sums_the_daily_grain(day):
    import duckdb

    from parking_warehouse.reports.outputs import revenue_report

    warehouse, _ = day
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        report = revenue_report(con, date(2026, 3, 1), date(2026, 3, 31), timezone=BERLIN)
    finally:
        con.close()
    assert report["total_revenue"] == 18.0
    assert report["transaction_count"] == 4
    assert report["by_zone"] == [{"slot__zone__name": "Center", "revenue": 16.0},
                                 {"slot__zone__name": "North", "revenue": 2.0}]
