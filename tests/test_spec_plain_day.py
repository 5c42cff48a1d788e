"""Scenario 1: a plain day in Europe/Berlin, all nine outputs asserted exactly.

D = 2026-03-10 (CET, +01:00). W(D) = [2026-03-09 23:00Z, 2026-03-10 23:00Z), T = 2026-03-10 23:00Z
= "2026-03-11T00:00:00+01:00". All source times below are UTC; comments give local time.

Readings of the spec written down here (told to the lead):
- slot_usage lists the *counted* slots (active, zone active, created_at <= T), like total_slots.
- peak_hours.period is {"from", "to"} like the revenue report's.
- users_today: an owner and an owner-less vehicle are different customers even when the
  owner's user id equals the vehicle's id (here user 2 and vehicle 2).
- a payment whose paid_at is exactly T is not revenue of D (half-open W(D)) but is revenue
  "up to T" (payment_analytics, vehicle total_expenses, slot revenue).
"""

from __future__ import annotations

from datetime import date

import pytest
from sourcedb import SourceDB
from spec_scenarios import BERLIN, assert_json, build, connect, make_plain_day

pytestmark = pytest.mark.slow  # real dbt builds: ~15 s each

D = date(2026, 3, 10)


@pytest.fixture(scope="module")
def plain_day(tmp_path_factory):
    db = make_plain_day(SourceDB(tmp_path_factory.mktemp("plain_day") / "source.sqlite3"))
    outputs = build(db, D, BERLIN)
    yield db, outputs
    db.close()


def test_plain_day_dashboard_summary(plain_day):
    _, out = plain_day
    assert_json(
        out["dashboard_summary"],
        {
            "total_slots": 7,  # A1 A2 A4 A5 B1 B3 B4
            "occupied_slots": 3,  # A1 (two sessions), A2 (enters at T), B1
            "available_slots": 4,
            "occupancy_rate": 42.86,  # 3/7
            "active_sessions": 5,  # 1 2 3 4 5 (5 on the inactive slot); 10 exits at T
            "completed_sessions": 5,  # exits in W(D): 6 7 8 9 15 (10 exits at T: D+1)
            "revenue_today": 11.6,  # P4 6.00 + P5 1.50 + P6 4.1 (P11 at T, P13 after T)
            "users_today": 4,  # owner 1, owner 2, vehicle 2, vehicle 7
        },
    )


def test_plain_day_zone_occupancy(plain_day):
    _, out = plain_day
    assert_json(
        out["zone_occupancy"],
        [
            {
                "zone_id": 1,
                "zone_name": "Center",
                "total_slots": 4,
                "occupied_slots": 2,
                "available_slots": 2,
                "occupancy_rate": 50.0,
                "active_sessions": 4,
            },
            {
                "zone_id": 2,
                "zone_name": "Airport",
                "total_slots": 3,
                "occupied_slots": 1,
                "available_slots": 2,
                "occupancy_rate": 33.33,
                "active_sessions": 1,
            },
        ],
    )


def test_plain_day_revenue_report(plain_day):
    _, out = plain_day
    assert_json(
        out["revenue_report"],
        {
            "period": {"from": "2026-03-10", "to": "2026-03-10"},
            "total_revenue": 11.6,
            "by_payment_method": [
                {"payment_method": "cash", "amount": 7.5, "count": 2},
                {"payment_method": "online", "amount": 4.1, "count": 1},
            ],
            "by_zone": [
                {"slot__zone__name": "Center", "revenue": 6.0},
                {"slot__zone__name": "Airport", "revenue": 4.1},
                {"slot__zone__name": "Old Town", "revenue": 1.5},  # inactive zone still has revenue
            ],
            "transaction_count": 3,
        },
    )


def test_plain_day_peak_hours(plain_day):
    _, out = plain_day
    entries = {0: 1, 8: 1, 9: 2, 10: 2, 13: 1, 15: 1, 16: 1, 19: 1, 21: 1, 22: 1, 23: 1}
    assert_json(
        out["peak_hours"],
        {
            "period": {"from": "2026-02-09", "to": "2026-03-10"},
            "days": 30,
            "hourly_breakdown": [{"hour": h, "entries": entries.get(h, 0)} for h in range(24)],
            "peak_hours": [
                {"hour": 9, "entries": 2},
                {"hour": 10, "entries": 2},
                {"hour": 0, "entries": 1},
                {"hour": 8, "entries": 1},
                {"hour": 13, "entries": 1},
            ],
        },
    )


def test_plain_day_active_sessions(plain_day):
    _, out = plain_day
    assert_json(
        out["active_sessions"],
        [
            {
                "session_id": 1,
                "vehicle_number": "B-AA 100",
                "vehicle_type": "car",
                "owner_id": 1,
                "zone_id": 1,
                "zone_name": "Center",
                "slot_id": 1,
                "slot_number": "A1",
                "entry_time": "2026-03-10T09:00:00+01:00",
                "duration_hours": 15.0,
            },
            {
                "session_id": 5,
                "vehicle_number": "b-GG 700",
                "vehicle_type": "van",
                "owner_id": None,
                "zone_id": 1,
                "zone_name": "Center",
                "slot_id": 3,
                "slot_number": "A3",
                "entry_time": "2026-03-10T09:00:00+01:00",
                "duration_hours": 15.0,
            },
            {
                "session_id": 2,
                "vehicle_number": "B-BB 200",
                "vehicle_type": "van",
                "owner_id": 1,
                "zone_id": 2,
                "zone_name": "Airport",
                "slot_id": 4,
                "slot_number": "B1",
                "entry_time": "2026-03-10T21:30:00+01:00",
                "duration_hours": 2.5,
            },
            {
                "session_id": 3,
                "vehicle_number": "M-CC 300",
                "vehicle_type": "motorcycle",
                "owner_id": None,
                "zone_id": 1,
                "zone_name": "Center",
                "slot_id": 1,
                "slot_number": "A1",
                "entry_time": "2026-03-10T23:15:00+01:00",
                "duration_hours": 0.75,
            },
            {
                "session_id": 4,
                "vehicle_number": "HH-DD 400",
                "vehicle_type": "ev",
                "owner_id": 2,
                "zone_id": 1,
                "zone_name": "Center",
                "slot_id": 2,
                "slot_number": "A2",
                "entry_time": "2026-03-11T00:00:00+01:00",
                "duration_hours": 0.0,
            },
        ],
    )


def _completed(session_id, plate, owner, zone, slot, entry, exit, hours, amount, status, method):
    return {
        "session_id": session_id,
        "vehicle_number": plate,
        "owner_id": owner,
        "zone_name": zone,
        "slot_number": slot,
        "entry_time": entry,
        "exit_time": exit,
        "duration_hours": hours,
        "amount": amount,
        "payment_status": status,
        "payment_method": method,
    }


def test_plain_day_completed_sessions(plain_day):
    _, out = plain_day
    assert_json(
        out["completed_sessions"],
        [
            _completed(
                10,
                "D-FF 600",
                2,
                "Airport",
                "B4",
                "2026-03-10T22:00:00+01:00",
                "2026-03-11T00:00:00+01:00",
                2.0,
                6.0,
                "completed",
                "cash",
            ),
            # latest payment: P9 and P13 share created_at, P13 has the higher id; paid after T
            _completed(
                15,
                "M-CC 300",
                None,
                "Airport",
                "B4",
                "2026-03-10T19:00:00+01:00",
                "2026-03-10T20:00:00+01:00",
                1.0,
                3.0,
                "pending",
                "cash",
            ),
            # 8 and 7 share exit_time: session_id desc
            _completed(
                8,
                "HH-DD 400",
                2,
                "Airport",
                "B3",
                "2026-03-10T15:00:00+01:00",
                "2026-03-10T18:00:00+01:00",
                3.0,
                9.0,
                "refunded",
                "online",
            ),
            # latest by created_at is P6 (completed), not P7 (higher id, failed)
            _completed(
                7,
                "M-CC 300",
                None,
                "Airport",
                "B1",
                "2026-03-10T13:00:00+01:00",
                "2026-03-10T18:00:00+01:00",
                5.0,
                4.1,
                "completed",
                "online",
            ),
            _completed(
                9,
                "B-BB 200",
                1,
                "Old Town",
                "C1",
                "2026-03-10T10:00:00+01:00",
                "2026-03-10T11:00:00+01:00",
                1.0,
                1.5,
                "completed",
                "cash",
            ),
            # P12 (online, pending) is created after T: the latest is P4
            _completed(
                6,
                "B-AA 100",
                1,
                "Center",
                "A2",
                "2026-03-10T00:30:00+01:00",
                "2026-03-10T03:00:00+01:00",
                2.5,
                6.0,
                "completed",
                "cash",
            ),
            _completed(
                16,
                "HH-DD 400",
                2,
                "Airport",
                "B1",
                "2026-03-05T08:00:00+01:00",
                "2026-03-05T09:00:00+01:00",
                1.0,
                3.0,
                "unpaid",
                None,
            ),
            _completed(
                11,
                "D-FF 600",
                2,
                "Center",
                "A1",
                "2026-03-01T10:00:00+01:00",
                "2026-03-01T12:00:00+01:00",
                2.0,
                4.0,
                "completed",
                "cash",
            ),
            _completed(
                12,
                "B-AA 100",
                1,
                "Center",
                "A4",
                "2026-02-20T16:00:00+01:00",
                "2026-02-20T17:30:00+01:00",
                1.5,
                3.0,
                "completed",
                "online",
            ),
            _completed(
                13,
                "M-CC 300",
                None,
                "Center",
                "A5",
                "2026-02-08T23:30:00+01:00",
                "2026-02-09T00:30:00+01:00",
                1.0,
                2.0,
                "completed",
                "cash",
            ),
        ],
    )


def _methods(cash_count, cash_amount, online_count, online_amount):
    return {
        "cash": {"count": cash_count, "amount": cash_amount},
        "online": {"count": online_count, "amount": online_amount},
    }


VEHICLES = [
    {
        "vehicle_number": "B-AA 100",
        "vehicle_type": "car",
        "owner_id": 1,
        "total_visits": 3,
        "total_expenses": 9.0,
        "average_session_cost": 3.0,
        "preferred_zone": "Center",
        "payment_methods": _methods(1, 6.0, 1, 3.0),
        "first_visit": "2026-02-20T16:00:00+01:00",
        "last_visit": "2026-03-10T09:00:00+01:00",
    },
    {
        "vehicle_number": "B-BB 200",
        "vehicle_type": "van",
        "owner_id": 1,
        "total_visits": 2,
        "total_expenses": 1.5,
        "average_session_cost": 0.75,
        "preferred_zone": "Airport",  # 1-1 tie
        "payment_methods": _methods(1, 1.5, 0, 0.0),
        "first_visit": "2026-03-10T10:00:00+01:00",
        "last_visit": "2026-03-10T21:30:00+01:00",
    },
    {
        "vehicle_number": "D-FF 600",
        "vehicle_type": "car",
        "owner_id": 2,
        "total_visits": 2,
        "total_expenses": 10.0,
        "average_session_cost": 5.0,
        "preferred_zone": "Airport",  # 1-1 tie
        "payment_methods": _methods(2, 10.0, 0, 0.0),  # P11 paid exactly at T counts
        "first_visit": "2026-03-01T10:00:00+01:00",
        "last_visit": "2026-03-10T22:00:00+01:00",
    },
    {
        "vehicle_number": "HH-DD 400",
        "vehicle_type": "ev",
        "owner_id": 2,
        "total_visits": 3,
        "total_expenses": 0.0,
        "average_session_cost": 0.0,
        "preferred_zone": "Airport",
        "payment_methods": _methods(0, 0.0, 0, 0.0),  # refunded is not completed
        "first_visit": "2026-03-05T08:00:00+01:00",
        "last_visit": "2026-03-11T00:00:00+01:00",
    },
    {
        "vehicle_number": "M-CC 300",
        "vehicle_type": "motorcycle",
        "owner_id": None,
        "total_visits": 4,
        "total_expenses": 6.1,
        "average_session_cost": 1.53,  # 6.10 / 4 = 1.525, half-up
        "preferred_zone": "Airport",  # 2-2 tie with Center
        "payment_methods": _methods(1, 2.0, 1, 4.1),
        "first_visit": "2026-02-08T23:30:00+01:00",
        "last_visit": "2026-03-10T23:15:00+01:00",
    },
    {
        "vehicle_number": "b-GG 700",
        "vehicle_type": "van",
        "owner_id": None,
        "total_visits": 1,
        "total_expenses": 0.0,
        "average_session_cost": 0.0,
        "preferred_zone": "Center",
        "payment_methods": _methods(0, 0.0, 0, 0.0),
        "first_visit": "2026-03-10T09:00:00+01:00",
        "last_visit": "2026-03-10T09:00:00+01:00",
    },
]


def test_plain_day_vehicle_analytics(plain_day):
    _, out = plain_day
    assert_json(out["vehicle_analytics"], VEHICLES)


def test_vehicle_analytics_for_one_plate(plain_day):
    from spec_scenarios import as_json

    from parking_warehouse.reports.outputs import vehicle_analytics

    db, _ = plain_day
    con = connect(db)
    try:
        one = as_json(vehicle_analytics(con, "M-CC 300"))
        everyone = as_json(vehicle_analytics(con))
    finally:
        con.close()
    if isinstance(one, list):  # the spec does not say whether one plate gives a record or a list
        assert len(one) == 1
        one = one[0]
    assert_json(one, VEHICLES[4])
    assert_json(everyone, VEHICLES)


def _tx(pid, sid, plate, amount, method, status, txid, created, paid):
    return {
        "payment_id": pid,
        "session_id": sid,
        "vehicle_number": plate,
        "amount": amount,
        "payment_method": method,
        "status": status,
        "transaction_id": txid,
        "created_at": created,
        "paid_at": paid,
    }


def test_plain_day_payment_analytics(plain_day):
    _, out = plain_day
    assert_json(
        out["payment_analytics"],
        {
            "total_revenue": 26.6,  # P1 P2 P3 P4 P5 P6 P11
            "transaction_count": 7,
            "average_payment": 3.8,
            "by_method": [
                {"payment_method": "cash", "amount": 19.5, "count": 5},
                {"payment_method": "online", "amount": 7.1, "count": 2},
            ],
            "by_status": [
                {"status": "completed", "count": 7, "amount": 26.6},
                {"status": "failed", "count": 2, "amount": 7.1},
                {"status": "pending", "count": 2, "amount": 12.0},  # P10, and P13 paid after T
                {"status": "refunded", "count": 1, "amount": 9.0},
            ],
            "recent_transactions": [
                _tx(
                    11,
                    10,
                    "D-FF 600",
                    6.0,
                    "cash",
                    "completed",
                    "TX-11",
                    "2026-03-11T00:00:00+01:00",
                    "2026-03-11T00:00:00+01:00",
                ),
                _tx(
                    10,
                    2,
                    "B-BB 200",
                    9.0,
                    "online",
                    "pending",
                    "TX-10",
                    "2026-03-10T23:50:00+01:00",
                    None,
                ),
                _tx(
                    13,
                    15,
                    "M-CC 300",
                    3.0,
                    "cash",
                    "pending",
                    "TX-13",
                    "2026-03-10T20:00:10+01:00",
                    None,
                ),
                _tx(
                    9,
                    15,
                    "M-CC 300",
                    3.0,
                    "cash",
                    "failed",
                    "TX-9",
                    "2026-03-10T20:00:10+01:00",
                    None,
                ),
                _tx(
                    8,
                    8,
                    "HH-DD 400",
                    9.0,
                    "online",
                    "refunded",
                    "TX-8",
                    "2026-03-10T18:00:30+01:00",
                    "2026-03-10T18:00:30+01:00",
                ),
                _tx(
                    6,
                    7,
                    "M-CC 300",
                    4.1,
                    "online",
                    "completed",
                    "TX-6",
                    "2026-03-10T18:00:20+01:00",
                    "2026-03-10T18:01:00+01:00",
                ),
                _tx(
                    7,
                    7,
                    "M-CC 300",
                    4.1,
                    "online",
                    "failed",
                    "TX-7",
                    "2026-03-10T18:00:00+01:00",
                    None,
                ),
                _tx(
                    5,
                    9,
                    "B-BB 200",
                    1.5,
                    "cash",
                    "completed",
                    "TX-5",
                    "2026-03-10T11:00:00+01:00",
                    "2026-03-10T11:00:00+01:00",
                ),
                _tx(
                    4,
                    6,
                    "B-AA 100",
                    6.0,
                    "cash",
                    "completed",
                    "TX-4",
                    "2026-03-10T03:00:10+01:00",
                    "2026-03-10T03:00:10+01:00",
                ),
                _tx(
                    3,
                    11,
                    "D-FF 600",
                    4.0,
                    "cash",
                    "completed",
                    "TX-3",
                    "2026-03-01T12:00:05+01:00",
                    "2026-03-01T12:00:05+01:00",
                ),
            ],
        },
    )


def _slot(slot_id, number, zone_id, zone, slot_type, sessions, revenue, occupied, rank):
    return {
        "slot_id": slot_id,
        "slot_number": number,
        "zone_id": zone_id,
        "zone_name": zone,
        "slot_type": slot_type,
        "total_sessions": sessions,
        "revenue": revenue,
        "is_occupied": occupied,
        "usage_rank": rank,
    }


def test_plain_day_slot_usage(plain_day):
    _, out = plain_day
    assert_json(
        out["slot_usage"],
        [
            _slot(4, "B1", 2, "Airport", "regular", 3, 4.1, True, 1),
            _slot(1, "A1", 1, "Center", "regular", 3, 4.0, True, 2),
            _slot(2, "A2", 1, "Center", "compact", 2, 6.0, True, 3),  # 2 sessions, 6.00: slot_id
            _slot(10, "B4", 2, "Airport", "ev", 2, 6.0, False, 4),  # exits exactly at T
            _slot(7, "A4", 1, "Center", "handicapped", 1, 3.0, False, 5),
            _slot(8, "A5", 1, "Center", "motorcycle", 1, 2.0, False, 6),
            _slot(9, "B3", 2, "Airport", "regular", 1, 0.0, False, 7),
        ],
    )


def test_plain_day_outputs_are_the_nine(plain_day):
    _, out = plain_day
    assert set(out) >= {
        "dashboard_summary",
        "zone_occupancy",
        "revenue_report",
        "peak_hours",
        "active_sessions",
        "completed_sessions",
        "vehicle_analytics",
        "payment_analytics",
        "slot_usage",
    }


@pytest.mark.parametrize("full_refresh", [False, True], ids=["incremental", "full_refresh"])
def test_plain_day_rebuild_gives_identical_outputs(plain_day, full_refresh):
    """Two runs over the same data give the same answer (orderings are total), and a full
    refresh gives the same answer as an incremental build."""
    db, first = plain_day
    again = build(db, D, BERLIN, full_refresh=full_refresh, extract_full_refresh=full_refresh)
    for name in (
        "dashboard_summary",
        "zone_occupancy",
        "revenue_report",
        "peak_hours",
        "active_sessions",
        "completed_sessions",
        "vehicle_analytics",
        "payment_analytics",
        "slot_usage",
    ):
        assert again[name] == first[name], name
