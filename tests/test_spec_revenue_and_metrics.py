"""Scenario 7: the revenue report over a custom range, and system_metrics with its status bands.

Readings: a custom range is answered as of the built run's T (here D = 2026-03-10 of the plain
day), so a payment paid after that T is not revenue of any range. `occupancy_status` follows the
rate *shown* (rounded half-up to 2 decimals): 80.004 % shows 80.00 and is 'warning'; 49.995 %
shows 50.00 and is 'warning' too. A zone with no counted slot has rate 0.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sourcedb import EPOCH, SourceDB
from spec_scenarios import (
    BERLIN,
    as_json,
    assert_json,
    build,
    connect,
    make_plain_day,
    system_metrics_rows,
)

pytestmark = pytest.mark.slow  # real dbt builds: ~15 s each


@pytest.fixture(scope="module")
def plain_day_warehouse(tmp_path_factory):
    db = make_plain_day(SourceDB(tmp_path_factory.mktemp("range") / "source.sqlite3"))
    outputs = build(db, date(2026, 3, 10), BERLIN)
    yield db, outputs
    db.close()


def _revenue(db, date_from, date_to):
    from parking_warehouse.reports.outputs import revenue_report

    con = connect(db)
    try:
        return as_json(revenue_report(con, date_from, date_to, timezone=BERLIN))
    finally:
        con.close()


def test_custom_range_revenue_report(plain_day_warehouse):
    db, _ = plain_day_warehouse
    assert_json(
        _revenue(db, date(2026, 2, 1), date(2026, 3, 10)),
        {
            "period": {"from": "2026-02-01", "to": "2026-03-10"},
            "total_revenue": 20.6,  # P1 2.00, P2 3.00, P3 4.00, P4 6.00, P5 1.50, P6 4.1
            "by_payment_method": [
                {"payment_method": "cash", "amount": 13.5, "count": 4},
                {"payment_method": "online", "amount": 7.1, "count": 2},
            ],
            "by_zone": [
                {"slot__zone__name": "Center", "revenue": 15.0},
                {"slot__zone__name": "Airport", "revenue": 4.1},
                {"slot__zone__name": "Old Town", "revenue": 1.5},
            ],
            "transaction_count": 6,
        },
    )


def test_custom_range_uses_local_dates(plain_day_warehouse):
    """P1 is paid 2026-02-08 23:30:05Z, which is 2026-02-09 00:30:05 in Berlin."""
    db, _ = plain_day_warehouse
    assert_json(
        _revenue(db, date(2026, 2, 8), date(2026, 2, 8)),
        {
            "period": {"from": "2026-02-08", "to": "2026-02-08"},
            "total_revenue": 0.0,
            "by_payment_method": [],
            "by_zone": [],
            "transaction_count": 0,
        },
    )
    assert_json(
        _revenue(db, date(2026, 2, 9), date(2026, 2, 9)),
        {
            "period": {"from": "2026-02-09", "to": "2026-02-09"},
            "total_revenue": 2.0,
            "by_payment_method": [{"payment_method": "cash", "amount": 2.0, "count": 1}],
            "by_zone": [{"slot__zone__name": "Center", "revenue": 2.0}],
            "transaction_count": 1,
        },
    )


def test_custom_range_equals_the_sum_of_its_days(plain_day_warehouse):
    db, outputs = plain_day_warehouse
    start, end = date(2026, 2, 1), date(2026, 3, 10)
    whole = _revenue(db, start, end)
    total, count = Decimal(0), 0
    methods = defaultdict(lambda: [Decimal(0), 0])
    zones = defaultdict(Decimal)
    day = start
    while day <= end:
        daily = _revenue(db, day, day)
        total += Decimal(str(daily["total_revenue"]))
        count += daily["transaction_count"]
        for m in daily["by_payment_method"]:
            methods[m["payment_method"]][0] += Decimal(str(m["amount"]))
            methods[m["payment_method"]][1] += m["count"]
        for z in daily["by_zone"]:
            zones[z["slot__zone__name"]] += Decimal(str(z["revenue"]))
        day += timedelta(days=1)
    assert Decimal(str(whole["total_revenue"])) == total
    assert whole["transaction_count"] == count
    assert {
        m["payment_method"]: [Decimal(str(m["amount"])), m["count"]]
        for m in whole["by_payment_method"]
    } == dict(methods)
    assert {z["slot__zone__name"]: Decimal(str(z["revenue"])) for z in whole["by_zone"]} == dict(
        zones
    )
    # and the daily run's report is the D..D range
    assert _revenue(db, date(2026, 3, 10), date(2026, 3, 10)) == outputs["revenue_report"]


# ----------------------------------------------------------------------------- system_metrics
# Ten slots. Berlin in April is CEST; T(D) = D 22:00Z.
#   D1 2026-04-01: 8 of 10 occupied -> 80.00 warning
#   D2 2026-04-02: 9 of 10 -> 90.00 critical
#   D3 2026-04-03: 5 of 10 -> 50.00 warning (revenue 8.00)
#   D4 2026-04-04: 4 of 10 -> 40.00 normal

METRICS = [
    {
        "timestamp": "2026-04-02T00:00:00+02:00",
        "total_slots": 10,
        "occupied_slots": 8,
        "available_slots": 2,
        "occupancy_rate": 80.0,
        "daily_revenue": 0.0,
        "active_sessions": 8,
        "occupancy_status": "warning",
    },
    {
        "timestamp": "2026-04-03T00:00:00+02:00",
        "total_slots": 10,
        "occupied_slots": 9,
        "available_slots": 1,
        "occupancy_rate": 90.0,
        "daily_revenue": 0.0,
        "active_sessions": 9,
        "occupancy_status": "critical",
    },
    {
        "timestamp": "2026-04-04T00:00:00+02:00",
        "total_slots": 10,
        "occupied_slots": 5,
        "available_slots": 5,
        "occupancy_rate": 50.0,
        "daily_revenue": 8.0,
        "active_sessions": 5,
        "occupancy_status": "warning",
    },
    {
        "timestamp": "2026-04-05T00:00:00+02:00",
        "total_slots": 10,
        "occupied_slots": 4,
        "available_slots": 6,
        "occupancy_rate": 40.0,
        "daily_revenue": 0.0,
        "active_sessions": 4,
        "occupancy_status": "normal",
    },
]


def test_system_metrics_one_row_per_run_date_with_status_bands(source_db):
    source_db.zone("Center", id=1)
    for i in range(1, 11):
        source_db.slot(1, f"A{i}", id=i)
        source_db.vehicle(f"SM-{i}", id=i)
    for i in range(1, 5):
        source_db.session(i, i, id=i, entry="2026-04-01 10:00:00")
    for i in range(5, 9):
        source_db.session(
            i, i, id=i, entry="2026-04-01 10:00:00", exit="2026-04-03 10:00:00", amount="8.00"
        )
    source_db.session(
        9, 9, id=9, entry="2026-04-02 10:00:00", exit="2026-04-03 10:00:00", amount="4.00"
    )
    source_db.session(
        10, 10, id=10, entry="2026-04-03 10:00:00", exit="2026-04-04 10:00:00", amount="4.00"
    )
    source_db.payment(5, "8.00", id=1, paid_at="2026-04-03 10:00:05")

    for day in (1, 2, 3, 4):
        build(source_db, date(2026, 4, day), BERLIN)
    assert_json(system_metrics_rows(source_db, BERLIN), METRICS)
    build(source_db, date(2026, 4, 2), BERLIN)  # re-running D replaces its row
    assert_json(system_metrics_rows(source_db, BERLIN), METRICS)


def test_occupancy_status_follows_the_rounded_rate(source_db):
    """4001/5001 = 80.004 % shows 80.00: warning. 5000/10001 = 49.995 % shows 50.00: warning."""
    con = source_db.con
    source_db.zone("Big", id=1)
    source_db.vehicle("BIG 1", id=1)
    con.executemany(
        "insert into backend_core_parkingslot (id, slot_number, slot_type, is_occupied, is_active,"
        " created_at, updated_at, zone_id) values (?, ?, 'regular', 0, 1, ?, ?, 1)",
        [
            (i, f"S{i}", created, created)
            for i in range(1, 10002)
            for created in [EPOCH if i <= 5001 else "2026-04-11 10:00:00"]
        ],
    )
    sessions = []
    for i in range(1, 4002):  # on D1: 4001 parked at T1; 1000 of them leave on D2
        leaves = i <= 1000
        sessions.append(
            (
                i,
                "2026-04-10 10:00:00",
                "2026-04-11 10:00:00" if leaves else None,
                "completed" if leaves else "active",
                "1.00" if leaves else None,
                "2026-04-10 10:00:00",
                "2026-04-11 10:00:00" if leaves else "2026-04-10 10:00:00",
                i,
            )
        )
    for n, slot in enumerate(range(5002, 7001)):  # on D2: 1999 more on the new slots
        sessions.append(
            (
                4002 + n,
                "2026-04-11 12:00:00",
                None,
                "active",
                None,
                "2026-04-11 12:00:00",
                "2026-04-11 12:00:00",
                slot,
            )
        )
    con.executemany(
        "insert into backend_core_parkingsession (id, entry_time, exit_time, status, amount,"
        " created_at, updated_at, slot_id, vehicle_id) values (?, ?, ?, ?, ?, ?, ?, ?, 1)",
        sessions,
    )

    first = build(source_db, date(2026, 4, 10), BERLIN)
    assert_json(
        first["dashboard_summary"],
        {
            "total_slots": 5001,
            "occupied_slots": 4001,
            "available_slots": 1000,
            "occupancy_rate": 80.0,
            "active_sessions": 4001,
        },
    )
    second = build(source_db, date(2026, 4, 11), BERLIN)
    assert_json(
        second["dashboard_summary"],
        {
            "total_slots": 10001,
            "occupied_slots": 5000,
            "available_slots": 5001,
            "occupancy_rate": 50.0,
            "active_sessions": 5000,
        },
    )
    # completed_sessions: the 100 latest; the 1000 that left share one exit_time -> id desc
    assert second["dashboard_summary"]["completed_sessions"] == 1000
    assert [s["session_id"] for s in second["completed_sessions"]] == list(range(1000, 900, -1))
    assert first["completed_sessions"] == []
    assert_json(
        second["peak_hours"]["peak_hours"],
        [
            {"hour": 12, "entries": 4001},
            {"hour": 14, "entries": 1999},
            {"hour": 0, "entries": 0},
            {"hour": 1, "entries": 0},
            {"hour": 2, "entries": 0},
        ],
    )
    assert_json(
        system_metrics_rows(source_db, BERLIN),
        [
            {
                "timestamp": "2026-04-11T00:00:00+02:00",
                "total_slots": 5001,
                "occupied_slots": 4001,
                "occupancy_rate": 80.0,
                "occupancy_status": "warning",
            },
            {
                "timestamp": "2026-04-12T00:00:00+02:00",
                "total_slots": 10001,
                "occupied_slots": 5000,
                "occupancy_rate": 50.0,
                "occupancy_status": "warning",
            },
        ],
    )


def test_active_session_in_an_inactive_zone_and_a_zone_without_slots(source_db):
    """Active sessions count on any slot in the dashboard; zone rows only for active zones
    created by T; a rate over zero slots is 0; a cancelled session with an exit is not completed
    (reading: the dashboard's "sessions whose exit_time is in W(D)" means completed ones)."""
    source_db.zone("Open", id=1)
    source_db.zone("Closed", id=2, is_active=0)
    source_db.zone("Empty", id=3)
    source_db.zone("Later", id=4, created="2026-04-21 08:00:00")  # created after T
    source_db.slot(1, "O1", id=1)
    source_db.slot(1, "O2", id=2)
    source_db.slot(2, "C1", id=3)
    source_db.slot(4, "L1", id=4, created="2026-04-21 08:00:00")
    source_db.vehicle("Z 1", id=1)
    source_db.vehicle("Z 2", id=2)
    source_db.vehicle("Z 3", id=3)
    source_db.session(1, 1, id=1, entry="2026-04-20 08:00:00")
    source_db.session(3, 2, id=2, entry="2026-04-20 09:00:00")
    source_db.session(
        2, 3, id=3, entry="2026-04-20 10:00:00", exit="2026-04-20 10:05:00", status="cancelled"
    )
    out = build(source_db, date(2026, 4, 20), BERLIN)
    assert_json(
        out["dashboard_summary"],
        {
            "total_slots": 2,
            "occupied_slots": 1,
            "available_slots": 1,
            "occupancy_rate": 50.0,
            "active_sessions": 2,
            "completed_sessions": 0,
            "revenue_today": 0.0,
            "users_today": 2,
        },
    )
    assert_json(
        out["zone_occupancy"],
        [
            {
                "zone_id": 1,
                "zone_name": "Open",
                "total_slots": 2,
                "occupied_slots": 1,
                "available_slots": 1,
                "occupancy_rate": 50.0,
                "active_sessions": 1,
            },
            {
                "zone_id": 3,
                "zone_name": "Empty",
                "total_slots": 0,
                "occupied_slots": 0,
                "available_slots": 0,
                "occupancy_rate": 0.0,
                "active_sessions": 0,
            },
        ],
    )
    assert_json(out["completed_sessions"], [])
    assert [s["slot_id"] for s in out["slot_usage"]] == [1, 2]
