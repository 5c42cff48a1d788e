"""Scenario 5: money and rates. Exact sums, half-up rounding at the end, REAL read as shortest text.

Berlin, D = 2026-04-15 (CEST), T = 2026-04-15 22:00Z. One zone of 32 slots, one occupied at T:
the rate is 1/32 = 3.125 %, shown 3.13 (half-up; binary rounding of 3.125 gives 3.12).
"""

from __future__ import annotations

from datetime import date

import pytest
from sourcedb import SourceDB
from spec_scenarios import BERLIN, assert_json, build, connect

pytestmark = pytest.mark.slow  # real dbt builds: ~15 s each

D = date(2026, 4, 15)


@pytest.fixture(scope="module")
def money(tmp_path_factory):
    db = SourceDB(tmp_path_factory.mktemp("money") / "source.sqlite3")
    db.zone("Money", "2.00", id=1)
    for i in range(1, 33):
        db.slot(1, f"M{i:02d}", id=i)
    for i in range(1, 6):
        db.vehicle(f"M-00{i}", id=i)
    # M-001: ten sessions and ten payments of REAL 0.1
    for i in range(1, 11):
        db.session(
            i + 1, 1, id=i, entry="2026-04-15 06:00:00", exit="2026-04-15 07:00:00", amount=0.1
        )
        db.payment(
            i,
            0.1,
            id=i,
            method="cash",
            transaction_id=f"T-{i}",
            paid_at=f"2026-04-15 07:00:{i - 1:02d}",
        )
    # M-002: 1.00 + 1.01 over two visits: the average 1.005 shows as 1.01
    db.session(12, 2, id=11, entry="2026-04-15 08:00:00", exit="2026-04-15 09:00:00", amount="1.00")
    db.session(13, 2, id=12, entry="2026-04-15 08:00:00", exit="2026-04-15 09:00:00", amount="1.01")
    db.payment(
        11, "1.00", id=11, method="online", transaction_id="T-11", paid_at="2026-04-15 09:00:00"
    )
    db.payment(
        12, "1.01", id=12, method="online", transaction_id="T-12", paid_at="2026-04-15 09:00:01"
    )
    # M-003: REAL 4.1 (4.0999999999999996 in binary)
    db.session(14, 3, id=13, entry="2026-04-15 10:00:00", exit="2026-04-15 11:00:00", amount=4.1)
    db.payment(
        13, 4.1, id=13, method="online", transaction_id="T-13", paid_at="2026-04-15 11:00:00"
    )
    # M-004: the largest numeric(10,2) twice: sums must not overflow numeric(10,2)
    for sid, slot, second in ((14, 15, 0), (15, 16, 1)):
        db.session(
            slot,
            4,
            id=sid,
            entry="2026-04-15 12:00:00",
            exit="2026-04-15 13:00:00",
            amount=99999999.99,
        )
        db.payment(
            sid,
            99999999.99,
            id=sid,
            method="cash",
            transaction_id=f"T-{sid}",
            paid_at=f"2026-04-15 13:00:0{second}",
        )
    # M-005: parked at T on M01
    db.session(1, 5, id=16, entry="2026-04-15 20:00:00")
    outputs = build(db, D, BERLIN)
    yield db, outputs
    db.close()


BY_METHOD = [
    {"payment_method": "cash", "amount": 200000000.98, "count": 12},
    {"payment_method": "online", "amount": 6.11, "count": 3},
]


def test_money_rates_round_half_up(money):
    _, out = money
    assert_json(
        out["dashboard_summary"],
        {
            "total_slots": 32,
            "occupied_slots": 1,
            "available_slots": 31,
            "occupancy_rate": 3.13,
            "active_sessions": 1,
            "completed_sessions": 15,
            "revenue_today": 200000007.09,
            "users_today": 5,
        },
    )
    assert_json(
        out["zone_occupancy"],
        [
            {
                "zone_id": 1,
                "zone_name": "Money",
                "total_slots": 32,
                "occupied_slots": 1,
                "available_slots": 31,
                "occupancy_rate": 3.13,
                "active_sessions": 1,
            },
        ],
    )


def test_money_sums_are_exact(money):
    _, out = money
    assert_json(
        out["revenue_report"],
        {
            "period": {"from": "2026-04-15", "to": "2026-04-15"},
            "total_revenue": 200000007.09,
            "by_payment_method": BY_METHOD,
            "by_zone": [{"slot__zone__name": "Money", "revenue": 200000007.09}],
            "transaction_count": 15,
        },
    )
    assert_json(
        out["payment_analytics"],
        {
            "total_revenue": 200000007.09,
            "transaction_count": 15,
            "average_payment": 13333333.81,  # 200000007.09 / 15 = 13333333.806
            "by_method": BY_METHOD,
            "by_status": [{"status": "completed", "count": 15, "amount": 200000007.09}],
        },
    )


def _methods(cash_count, cash_amount, online_count, online_amount):
    return {
        "cash": {"count": cash_count, "amount": cash_amount},
        "online": {"count": online_count, "amount": online_amount},
    }


def test_money_vehicle_expenses_and_half_up_average(money):
    _, out = money
    got = [
        {
            k: v[k]
            for k in (
                "vehicle_number",
                "total_visits",
                "total_expenses",
                "average_session_cost",
                "payment_methods",
            )
        }
        for v in out["vehicle_analytics"]
    ]
    assert_json(
        got,
        [
            {
                "vehicle_number": "M-001",
                "total_visits": 10,
                "total_expenses": 1.0,
                "average_session_cost": 0.1,
                "payment_methods": _methods(10, 1.0, 0, 0.0),
            },
            {
                "vehicle_number": "M-002",
                "total_visits": 2,
                "total_expenses": 2.01,
                "average_session_cost": 1.01,
                "payment_methods": _methods(0, 0.0, 2, 2.01),
            },
            {
                "vehicle_number": "M-003",
                "total_visits": 1,
                "total_expenses": 4.1,
                "average_session_cost": 4.1,
                "payment_methods": _methods(0, 0.0, 1, 4.1),
            },
            {
                "vehicle_number": "M-004",
                "total_visits": 2,
                "total_expenses": 199999999.98,
                "average_session_cost": 99999999.99,
                "payment_methods": _methods(2, 199999999.98, 0, 0.0),
            },
            {
                "vehicle_number": "M-005",
                "total_visits": 1,
                "total_expenses": 0.0,
                "average_session_cost": 0.0,
                "payment_methods": _methods(0, 0.0, 0, 0.0),
            },
        ],
    )


def test_money_session_amounts_and_slot_revenue(money):
    _, out = money
    by_id = {s["session_id"]: s for s in out["completed_sessions"]}
    assert len(by_id) == 15
    assert_json(
        by_id[13], {"amount": 4.1, "payment_status": "completed", "payment_method": "online"}
    )
    assert_json(by_id[1], {"amount": 0.1, "duration_hours": 1.0})
    assert_json(by_id[14], {"amount": 99999999.99})
    revenue = {s["slot_number"]: s["revenue"] for s in out["slot_usage"]}
    assert revenue["M14"] == 4.1 and revenue["M02"] == 0.1 and revenue["M15"] == 99999999.99


def test_real_values_reach_the_raw_layer_as_shortest_text(money):
    db, _ = money
    con = connect(db)
    try:
        payments = dict(
            con.execute(
                "select id, amount from raw.backend_core_payment where id in (1, 11, 12, 13, 14)"
            ).fetchall()
        )
        session = con.execute(
            "select amount from raw.backend_core_parkingsession where id = 13"
        ).fetchone()[0]
    finally:
        con.close()
    # '1.00' is stored by SQLite's NUMERIC affinity as the integer 1
    assert payments == {1: "0.1", 11: "1", 12: "1.01", 13: "4.1", 14: "99999999.99"}
    assert session == "4.1"


def test_average_payment_rounds_half_up(source_db):
    source_db.zone("Small", id=1)
    source_db.slot(1, "S1", id=1)
    source_db.vehicle("AVG 1", id=1)
    source_db.session(
        1, 1, id=1, entry="2026-04-15 08:00:00", exit="2026-04-15 09:00:00", amount="1.00"
    )
    source_db.session(
        1, 1, id=2, entry="2026-04-15 10:00:00", exit="2026-04-15 11:00:00", amount="1.01"
    )
    source_db.payment(1, "1.00", id=1, paid_at="2026-04-15 09:00:00")
    source_db.payment(2, "1.01", id=2, paid_at="2026-04-15 11:00:00")
    out = build(source_db, D, BERLIN)
    assert_json(
        out["payment_analytics"],
        {
            "total_revenue": 2.01,
            "transaction_count": 2,
            "average_payment": 1.01,
        },
    )
