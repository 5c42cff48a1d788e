"""Scenarios 3 and 4: every output is "as of T", so each date gets its own answer.

- A session crossing local midnight: active on D, completed (and counted) on D+1.
- A session active at T whose current status is 'completed' (it exited after T).
- Building D, then D+1, then D again (a backfill) on one warehouse gives each day's answer;
  a row corrected in the source since (a refund, a fixed exit time) shows the corrected truth.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sourcedb import SourceDB
from spec_scenarios import BERLIN, assert_json, build

pytestmark = pytest.mark.slow  # real dbt builds: ~15 s each


def _now_utc_text() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


def _hours(entries: dict[int, int]) -> list[dict]:
    return [{"hour": h, "entries": entries.get(h, 0)} for h in range(24)]


# ------------------------------------------------------------------ scenario 3: crossing midnight
# Berlin in June is CEST (+02:00). D = 2026-06-15, T = 2026-06-15 22:00Z.

MIDNIGHT_D = {
    "dashboard_summary": {
        "total_slots": 2,
        "occupied_slots": 1,
        "available_slots": 1,
        "occupancy_rate": 50.0,
        "active_sessions": 1,
        "completed_sessions": 0,
        "revenue_today": 0.0,
        "users_today": 1,
    },
    "active_sessions": [
        {
            "session_id": 1,
            "vehicle_number": "B-MN 1",
            "vehicle_type": "car",
            "owner_id": 1,
            "zone_id": 1,
            "zone_name": "Center",
            "slot_id": 1,
            "slot_number": "A1",
            "entry_time": "2026-06-15T23:00:00+02:00",
            "duration_hours": 1.0,
        },
    ],
    "completed_sessions": [],
    "revenue_report": {
        "period": {"from": "2026-06-15", "to": "2026-06-15"},
        "total_revenue": 0.0,
        "by_payment_method": [],
        "by_zone": [],
        "transaction_count": 0,
    },
    "peak_hours": {
        "period": {"from": "2026-05-17", "to": "2026-06-15"},
        "days": 30,
        "hourly_breakdown": _hours({23: 1}),
        "peak_hours": [
            {"hour": 23, "entries": 1},
            {"hour": 0, "entries": 0},
            {"hour": 1, "entries": 0},
            {"hour": 2, "entries": 0},
            {"hour": 3, "entries": 0},
        ],
    },
    "vehicle_analytics": [
        {
            "vehicle_number": "B-MN 1",
            "vehicle_type": "car",
            "owner_id": 1,
            "total_visits": 1,
            "total_expenses": 0.0,
            "average_session_cost": 0.0,
            "preferred_zone": "Center",
            "payment_methods": {
                "cash": {"count": 0, "amount": 0.0},
                "online": {"count": 0, "amount": 0.0},
            },
            "first_visit": "2026-06-15T23:00:00+02:00",
            "last_visit": "2026-06-15T23:00:00+02:00",
        },
    ],
    "slot_usage": [
        {
            "slot_id": 1,
            "slot_number": "A1",
            "zone_id": 1,
            "zone_name": "Center",
            "slot_type": "regular",
            "total_sessions": 1,
            "revenue": 0.0,
            "is_occupied": True,
            "usage_rank": 1,
        },
        {
            "slot_id": 2,
            "slot_number": "A2",
            "zone_id": 1,
            "zone_name": "Center",
            "slot_type": "regular",
            "total_sessions": 0,
            "revenue": 0.0,
            "is_occupied": False,
            "usage_rank": 2,
        },
    ],
}

MIDNIGHT_D1 = {
    "dashboard_summary": {
        "total_slots": 2,
        "occupied_slots": 0,
        "available_slots": 2,
        "occupancy_rate": 0.0,
        "active_sessions": 0,
        "completed_sessions": 2,  # session 1 exits 01:30 local on D+1
        "revenue_today": 7.0,
        "users_today": 1,  # session 1 entered on D: only vehicle 2's owner-less entry
    },
    "active_sessions": [],
    "completed_sessions": [
        {
            "session_id": 2,
            "vehicle_number": "B-MN 2",
            "owner_id": None,
            "zone_name": "Center",
            "slot_number": "A2",
            "entry_time": "2026-06-16T10:00:00+02:00",
            "exit_time": "2026-06-16T11:00:00+02:00",
            "duration_hours": 1.0,
            "amount": 2.0,
            "payment_status": "completed",
            "payment_method": "cash",
        },
        {
            "session_id": 1,
            "vehicle_number": "B-MN 1",
            "owner_id": 1,
            "zone_name": "Center",
            "slot_number": "A1",
            "entry_time": "2026-06-15T23:00:00+02:00",
            "exit_time": "2026-06-16T01:30:00+02:00",
            "duration_hours": 2.5,
            "amount": 5.0,
            "payment_status": "completed",
            "payment_method": "cash",
        },
    ],
    "revenue_report": {
        "period": {"from": "2026-06-16", "to": "2026-06-16"},
        "total_revenue": 7.0,
        "by_payment_method": [{"payment_method": "cash", "amount": 7.0, "count": 2}],
        "by_zone": [{"slot__zone__name": "Center", "revenue": 7.0}],
        "transaction_count": 2,
    },
    "peak_hours": {
        "period": {"from": "2026-05-18", "to": "2026-06-16"},
        "days": 30,
        "hourly_breakdown": _hours({10: 1, 23: 1}),
        "peak_hours": [
            {"hour": 10, "entries": 1},
            {"hour": 23, "entries": 1},
            {"hour": 0, "entries": 0},
            {"hour": 1, "entries": 0},
            {"hour": 2, "entries": 0},
        ],
    },
    "payment_analytics": {
        "total_revenue": 7.0,
        "transaction_count": 2,
        "average_payment": 3.5,
        "by_method": [{"payment_method": "cash", "amount": 7.0, "count": 2}],
        "by_status": [{"status": "completed", "count": 2, "amount": 7.0}],
        "recent_transactions": [
            {
                "payment_id": 2,
                "session_id": 2,
                "vehicle_number": "B-MN 2",
                "amount": 2.0,
                "payment_method": "cash",
                "status": "completed",
                "transaction_id": "TX-N",
                "created_at": "2026-06-16T11:00:10+02:00",
                "paid_at": "2026-06-16T11:00:10+02:00",
            },
            {
                "payment_id": 1,
                "session_id": 1,
                "vehicle_number": "B-MN 1",
                "amount": 5.0,
                "payment_method": "cash",
                "status": "completed",
                "transaction_id": "TX-M",
                "created_at": "2026-06-16T01:31:00+02:00",
                "paid_at": "2026-06-16T01:31:00+02:00",
            },
        ],
    },
}


def make_midnight(db: SourceDB) -> SourceDB:
    db.user("user", id=1)
    db.zone("Center", "2.00", id=1)
    db.slot(1, "A1", id=1)
    db.slot(1, "A2", id=2)
    db.vehicle("B-MN 1", owner=1, id=1)
    db.vehicle("B-MN 2", owner=None, id=2)
    db.session(1, 1, id=1, entry="2026-06-15 21:00:00", exit="2026-06-15 23:30:00", amount="5.00")
    db.session(2, 2, id=2, entry="2026-06-16 08:00:00", exit="2026-06-16 09:00:00", amount="2.00")
    db.payment(1, "5.00", id=1, method="cash", paid_at="2026-06-15 23:31:00", transaction_id="TX-M")
    db.payment(2, "2.00", id=2, method="cash", paid_at="2026-06-16 09:00:10", transaction_id="TX-N")
    return db


def test_session_crossing_midnight_day_by_day_then_backfill(source_db):
    make_midnight(source_db)
    d, d1 = date(2026, 6, 15), date(2026, 6, 16)

    first = build(source_db, d, BERLIN)
    assert_json(first, MIDNIGHT_D)
    # a payment created after T does not exist: nothing at all as of T
    assert_json(
        first["payment_analytics"],
        {
            "total_revenue": 0.0,
            "transaction_count": 0,
            "by_method": [],
            "by_status": [],
            "recent_transactions": [],
        },
    )

    assert_json(build(source_db, d1, BERLIN), MIDNIGHT_D1)
    backfill = build(source_db, d, BERLIN)  # a week later, same source: same answer
    assert_json(backfill, MIDNIGHT_D)
    for name in MIDNIGHT_D:
        assert backfill[name] == first[name], name


def test_session_crossing_midnight_full_refresh_matches(source_db):
    make_midnight(source_db)
    build(source_db, date(2026, 6, 15), BERLIN)
    assert_json(build(source_db, date(2026, 6, 16), BERLIN, full_refresh=True), MIDNIGHT_D1)


# -------------------------------------------- scenario 4: active at T, status now 'completed'
# Berlin in May is CEST. D = 2026-05-05, T = 2026-05-05 22:00Z.


def make_exit_after_t(db: SourceDB) -> SourceDB:
    db.zone("Center", "2.00", id=1)
    db.slot(1, "A1", id=1)
    db.slot(1, "A2", id=2)
    db.vehicle("B-AT 1", id=1)
    # status is 'completed' now, but at T the car was still parked
    db.session(1, 1, id=1, entry="2026-05-05 20:00:00", exit="2026-05-06 03:00:00", amount="14.00")
    db.session(2, 1, id=2, entry="2026-05-05 08:00:00", exit="2026-05-05 09:00:00", amount="2.00")
    db.payment(
        1, "14.00", id=1, method="online", paid_at="2026-05-06 03:00:30", transaction_id="A-1"
    )
    db.payment(2, "2.00", id=2, method="cash", paid_at="2026-05-05 09:00:05", transaction_id="A-2")
    return db


def test_completed_session_that_exited_after_t_is_active_at_t(source_db):
    make_exit_after_t(source_db)
    out = build(source_db, date(2026, 5, 5), BERLIN)
    assert_json(
        out["active_sessions"],
        [
            {
                "session_id": 1,
                "vehicle_number": "B-AT 1",
                "vehicle_type": "car",
                "owner_id": None,
                "zone_id": 1,
                "zone_name": "Center",
                "slot_id": 1,
                "slot_number": "A1",
                "entry_time": "2026-05-05T22:00:00+02:00",
                "duration_hours": 2.0,
            },
        ],
    )
    assert_json(
        out["dashboard_summary"],
        {
            "total_slots": 2,
            "occupied_slots": 1,
            "available_slots": 1,
            "occupancy_rate": 50.0,
            "active_sessions": 1,
            "completed_sessions": 1,
            "revenue_today": 2.0,
            "users_today": 1,
        },
    )
    assert_json(
        out["completed_sessions"],
        [
            {
                "session_id": 2,
                "vehicle_number": "B-AT 1",
                "owner_id": None,
                "zone_name": "Center",
                "slot_number": "A2",
                "entry_time": "2026-05-05T10:00:00+02:00",
                "exit_time": "2026-05-05T11:00:00+02:00",
                "duration_hours": 1.0,
                "amount": 2.0,
                "payment_status": "completed",
                "payment_method": "cash",
            },
        ],
    )
    assert_json(
        out["slot_usage"],
        [  # one visit each: revenue decides (A1's fee is paid after T)
            {
                "slot_id": 2,
                "total_sessions": 1,
                "revenue": 2.0,
                "is_occupied": False,
                "usage_rank": 1,
            },
            {
                "slot_id": 1,
                "total_sessions": 1,
                "revenue": 0.0,
                "is_occupied": True,
                "usage_rank": 2,
            },
        ],
    )

    nxt = build(source_db, date(2026, 5, 6), BERLIN)
    assert_json(nxt["active_sessions"], [])
    assert_json(
        nxt["dashboard_summary"],
        {
            "total_slots": 2,
            "occupied_slots": 0,
            "available_slots": 2,
            "occupancy_rate": 0.0,
            "active_sessions": 0,
            "completed_sessions": 1,
            "revenue_today": 14.0,
            "users_today": 0,
        },
    )
    assert_json(
        nxt["completed_sessions"][0],
        {
            "session_id": 1,
            "entry_time": "2026-05-05T22:00:00+02:00",
            "exit_time": "2026-05-06T05:00:00+02:00",
            "duration_hours": 7.0,
            "amount": 14.0,
            "payment_status": "completed",
            "payment_method": "online",
        },
    )


def test_backfill_after_a_correction_shows_the_corrected_truth(source_db):
    """A refund and a fixed exit time, made in the source after D, change D's rebuilt answer."""
    make_exit_after_t(source_db)
    build(source_db, date(2026, 5, 5), BERLIN)
    build(source_db, date(2026, 5, 6), BERLIN)

    now = _now_utc_text()
    source_db.execute(
        "update backend_core_payment set status = 'refunded', updated_at = ? where id = 2", (now,)
    )
    source_db.execute(
        "update backend_core_parkingsession set exit_time = '2026-05-05 10:00:00', updated_at = ? "
        "where id = 2",
        (now,),
    )
    out = build(source_db, date(2026, 5, 5), BERLIN)

    assert_json(
        out["dashboard_summary"],
        {
            "total_slots": 2,
            "occupied_slots": 1,
            "available_slots": 1,
            "occupancy_rate": 50.0,
            "active_sessions": 1,
            "completed_sessions": 1,
            "revenue_today": 0.0,
            "users_today": 1,
        },
    )
    assert_json(
        out["completed_sessions"],
        [
            {
                "session_id": 2,
                "entry_time": "2026-05-05T10:00:00+02:00",
                "exit_time": "2026-05-05T12:00:00+02:00",
                "duration_hours": 2.0,
                "amount": 2.0,
                "payment_status": "refunded",
                "payment_method": "cash",
            },
        ],
    )
    assert_json(
        out["revenue_report"],
        {
            "period": {"from": "2026-05-05", "to": "2026-05-05"},
            "total_revenue": 0.0,
            "by_payment_method": [],
            "by_zone": [],
            "transaction_count": 0,
        },
    )
    assert_json(
        out["payment_analytics"],
        {
            "total_revenue": 0.0,
            "transaction_count": 0,
            "by_method": [],
            "by_status": [{"status": "refunded", "count": 1, "amount": 2.0}],
        },
    )
    # and the refund is never revenue of D+1 either
    nxt = build(source_db, date(2026, 5, 6), BERLIN)
    assert_json(
        nxt["payment_analytics"],
        {
            "total_revenue": 14.0,
            "transaction_count": 1,
            "average_payment": 14.0,
            "by_status": [
                {"status": "completed", "count": 1, "amount": 14.0},
                {"status": "refunded", "count": 1, "amount": 2.0},
            ],
        },
    )


def test_row_deleted_by_hand_is_gone_after_a_full_refresh(source_db):
    """Reading: a mistaken row an operator deletes by hand is a correction; a later run (with a
    full-refresh extract, which is what notices deletions) no longer shows it anywhere."""
    source_db.zone("Center", id=1)
    source_db.slot(1, "A1", id=1)
    source_db.slot(1, "A2", id=2)
    source_db.vehicle("B-DEL 1", id=1)
    source_db.session(
        1, 1, id=1, entry="2026-05-05 08:00:00", exit="2026-05-05 09:00:00", amount="2.00"
    )
    source_db.session(2, 1, id=2, entry="2026-05-05 10:00:00")  # the mistake
    source_db.payment(1, "2.00", id=1, paid_at="2026-05-05 09:00:05")
    before = build(source_db, date(2026, 5, 5), BERLIN)
    assert_json(before["dashboard_summary"], {"occupied_slots": 1, "active_sessions": 1})

    source_db.execute("delete from backend_core_parkingsession where id = 2")
    after = build(source_db, date(2026, 5, 5), BERLIN, extract_full_refresh=True)
    assert_json(
        after["dashboard_summary"],
        {
            "total_slots": 2,
            "occupied_slots": 0,
            "available_slots": 2,
            "occupancy_rate": 0.0,
            "active_sessions": 0,
            "completed_sessions": 1,
            "revenue_today": 2.0,
            "users_today": 1,
        },
    )
    assert_json(after["active_sessions"], [])
    assert_json(
        [
            {k: v[k] for k in ("vehicle_number", "total_visits", "last_visit")}
            for v in after["vehicle_analytics"]
        ],
        [
            {
                "vehicle_number": "B-DEL 1",
                "total_visits": 1,
                "last_visit": "2026-05-05T10:00:00+02:00",
            }
        ],
    )
