"""Scenario 2: daylight-saving days. Local hours, real elapsed durations, offsets that switch.

Europe/Berlin 2026-03-29: 02:00 CET jumps to 03:00 CEST at 01:00Z (23-hour day, no hour 2).
Europe/Berlin 2026-10-25: 03:00 CEST falls back to 02:00 CET at 01:00Z (25 hours, hour 2 twice).
America/New_York 2026-03-08: the spec's own example (01:30 EST to 04:30 EDT is 2.00 h).
"""

from __future__ import annotations

from datetime import date

import pytest
from sourcedb import SourceDB
from spec_scenarios import BERLIN, assert_json, build, system_metrics_rows

pytestmark = pytest.mark.slow  # real dbt builds: ~15 s each


def _base(db: SourceDB) -> None:
    db.zone("Center", "2.00", id=1)
    for i in range(1, 5):
        db.slot(1, f"A{i}", id=i)
    for i in range(1, 4):
        db.vehicle(f"B-DST {i}", id=i)


def _hours(entries: dict[int, int]) -> list[dict]:
    return [{"hour": h, "entries": entries.get(h, 0)} for h in range(24)]


@pytest.fixture(scope="module")
def spring(tmp_path_factory):
    db = SourceDB(tmp_path_factory.mktemp("spring") / "source.sqlite3")
    _base(db)
    db.session(1, 1, id=1, entry="2026-03-28 23:00:00", exit="2026-03-28 23:45:00", amount="2.00")
    db.session(2, 1, id=2, entry="2026-03-29 00:30:00", exit="2026-03-29 01:30:00", amount="2.00")
    db.session(3, 2, id=3, entry="2026-03-29 00:00:00")
    db.session(4, 3, id=4, entry="2026-03-29 01:00:00", exit="2026-03-29 02:00:00", amount="2.00")
    db.session(1, 1, id=5, entry="2026-03-29 21:59:59")
    db.session(2, 3, id=6, entry="2026-03-28 22:59:59", exit="2026-03-28 23:10:00", amount="1.00")
    db.payment(2, "2.00", id=1, method="cash", paid_at="2026-03-29 01:30:00", transaction_id="S-1")
    outputs = build(db, date(2026, 3, 29), BERLIN)
    yield db, outputs
    db.close()


def test_spring_forward_hourly_breakdown_has_no_hour_two(spring):
    _, out = spring
    assert_json(
        out["peak_hours"],
        {
            "period": {"from": "2026-02-28", "to": "2026-03-29"},
            "days": 30,
            "hourly_breakdown": _hours({0: 1, 1: 2, 3: 1, 23: 2}),
            "peak_hours": [
                {"hour": 1, "entries": 2},
                {"hour": 23, "entries": 2},
                {"hour": 0, "entries": 1},
                {"hour": 3, "entries": 1},
                {"hour": 2, "entries": 0},
            ],
        },
    )


def test_spring_forward_dashboard_uses_the_23_hour_window(spring):
    _, out = spring
    assert_json(
        out["dashboard_summary"],
        {
            "total_slots": 4,
            "occupied_slots": 2,
            "available_slots": 2,
            "occupancy_rate": 50.0,
            "active_sessions": 2,
            "completed_sessions": 4,  # 1, 2, 4 and 6 (exits 00:10 local on D)
            "revenue_today": 2.0,
            "users_today": 3,  # session 6 entered on D-1 local
        },
    )


def test_spring_forward_active_durations_are_elapsed_time(spring):
    _, out = spring
    assert_json(
        [
            {k: s[k] for k in ("session_id", "entry_time", "duration_hours")}
            for s in out["active_sessions"]
        ],
        [
            {"session_id": 3, "entry_time": "2026-03-29T01:00:00+01:00", "duration_hours": 22.0},
            {"session_id": 5, "entry_time": "2026-03-29T23:59:59+02:00", "duration_hours": 0.0},
        ],
    )


def test_spring_forward_completed_sessions_offsets_switch(spring):
    _, out = spring
    assert_json(
        out["completed_sessions"],
        [
            {
                "session_id": 4,
                "entry_time": "2026-03-29T03:00:00+02:00",
                "exit_time": "2026-03-29T04:00:00+02:00",
                "duration_hours": 1.0,
            },
            {
                "session_id": 2,
                "entry_time": "2026-03-29T01:30:00+01:00",
                "exit_time": "2026-03-29T03:30:00+02:00",
                "duration_hours": 1.0,
                "payment_status": "completed",
                "payment_method": "cash",
            },
            {
                "session_id": 1,
                "entry_time": "2026-03-29T00:00:00+01:00",
                "exit_time": "2026-03-29T00:45:00+01:00",
                "duration_hours": 0.75,
            },
            {
                "session_id": 6,
                "entry_time": "2026-03-28T23:59:59+01:00",
                "exit_time": "2026-03-29T00:10:00+01:00",
                "duration_hours": 0.17,
            },
        ],
    )


def test_spring_forward_system_metrics_timestamp(spring):
    db, _ = spring
    rows = system_metrics_rows(db, BERLIN)
    assert_json(
        rows,
        [
            {
                "timestamp": "2026-03-30T00:00:00+02:00",
                "total_slots": 4,
                "occupied_slots": 2,
                "available_slots": 2,
                "occupancy_rate": 50.0,
                "daily_revenue": 2.0,
                "active_sessions": 2,
                "occupancy_status": "warning",
            }
        ],
    )


@pytest.fixture(scope="module")
def autumn(tmp_path_factory):
    db = SourceDB(tmp_path_factory.mktemp("autumn") / "source.sqlite3")
    _base(db)
    db.session(1, 1, id=1, entry="2026-10-25 00:30:00", exit="2026-10-25 01:45:00", amount="3.00")
    db.session(2, 2, id=2, entry="2026-10-25 01:30:00", exit="2026-10-25 02:00:00", amount="1.00")
    db.session(3, 3, id=3, entry="2026-10-24 23:00:00")
    db.session(1, 1, id=4, entry="2026-10-25 22:30:00")
    db.session(4, 2, id=5, entry="2026-10-24 21:59:59", exit="2026-10-24 22:00:00", amount="0.00")
    db.payment(
        1, "3.00", id=1, method="online", paid_at="2026-10-25 01:45:00", transaction_id="A-1"
    )
    outputs = build(db, date(2026, 10, 25), BERLIN)
    yield db, outputs
    db.close()


def test_fall_back_hour_two_counts_both_passes(autumn):
    _, out = autumn
    assert_json(
        out["peak_hours"],
        {
            "period": {"from": "2026-09-26", "to": "2026-10-25"},
            "days": 30,
            "hourly_breakdown": _hours({1: 1, 2: 2, 23: 2}),
            "peak_hours": [
                {"hour": 2, "entries": 2},
                {"hour": 23, "entries": 2},
                {"hour": 1, "entries": 1},
                {"hour": 0, "entries": 0},
                {"hour": 3, "entries": 0},
            ],
        },
    )


def test_fall_back_dashboard_uses_the_25_hour_window(autumn):
    _, out = autumn
    assert_json(
        out["dashboard_summary"],
        {
            "total_slots": 4,
            "occupied_slots": 2,
            "available_slots": 2,
            "occupancy_rate": 50.0,
            "active_sessions": 2,
            "completed_sessions": 3,  # 1, 2 and 5 (exits exactly at the start of W(D))
            "revenue_today": 3.0,
            "users_today": 3,
        },
    )


def test_fall_back_durations_are_elapsed_time(autumn):
    _, out = autumn
    assert_json(
        [
            {k: s[k] for k in ("session_id", "entry_time", "duration_hours")}
            for s in out["active_sessions"]
        ],
        [
            {"session_id": 3, "entry_time": "2026-10-25T01:00:00+02:00", "duration_hours": 24.0},
            {"session_id": 4, "entry_time": "2026-10-25T23:30:00+01:00", "duration_hours": 0.5},
        ],
    )
    assert_json(
        out["completed_sessions"],
        [
            {
                "session_id": 2,
                "entry_time": "2026-10-25T02:30:00+01:00",
                "exit_time": "2026-10-25T03:00:00+01:00",
                "duration_hours": 0.5,
            },
            {
                "session_id": 1,
                "entry_time": "2026-10-25T02:30:00+02:00",
                "exit_time": "2026-10-25T02:45:00+01:00",
                "duration_hours": 1.25,
                "payment_status": "completed",
                "payment_method": "online",
            },
            {
                "session_id": 5,
                "entry_time": "2026-10-24T23:59:59+02:00",
                "exit_time": "2026-10-25T00:00:00+02:00",
                "duration_hours": 0.0,
                "payment_status": "unpaid",
                "payment_method": None,
            },
        ],
    )


def test_new_york_spring_forward_example_from_the_spec(source_db):
    tz = "America/New_York"
    source_db.zone("Midtown", "5.00", id=1)
    source_db.slot(1, "M1", id=1)
    source_db.slot(1, "M2", id=2)
    source_db.vehicle("NY 1", id=1)
    source_db.vehicle("NY 2", id=2)
    source_db.session(
        1, 1, id=1, entry="2026-03-08 06:30:00", exit="2026-03-08 08:30:00", amount="10.00"
    )
    source_db.session(2, 2, id=2, entry="2026-03-08 05:00:00")  # 00:00 EST, still active
    source_db.session(
        1, 2, id=3, entry="2026-03-08 07:00:00", exit="2026-03-08 07:00:00", amount="0.00"
    )  # 03:00 EDT, zero length
    out = build(source_db, date(2026, 3, 8), tz)
    assert_json(
        out["completed_sessions"],
        [
            {
                "session_id": 1,
                "entry_time": "2026-03-08T01:30:00-05:00",
                "exit_time": "2026-03-08T04:30:00-04:00",
                "duration_hours": 2.0,
            },
            {
                "session_id": 3,
                "entry_time": "2026-03-08T03:00:00-04:00",
                "exit_time": "2026-03-08T03:00:00-04:00",
                "duration_hours": 0.0,
            },
        ],
    )
    assert_json(
        out["active_sessions"],
        [
            {"session_id": 2, "entry_time": "2026-03-08T00:00:00-05:00", "duration_hours": 23.0},
        ],
    )
    assert_json(out["peak_hours"]["hourly_breakdown"], _hours({0: 1, 1: 1, 3: 1}))
    assert_json(
        system_metrics_rows(source_db, tz),
        [
            {
                "timestamp": "2026-03-09T00:00:00-04:00",
                "total_slots": 2,
                "occupied_slots": 1,
                "available_slots": 1,
                "occupancy_rate": 50.0,
                "daily_revenue": 0.0,
                "active_sessions": 1,
                "occupancy_status": "warning",
            }
        ],
    )


def _two_sessions(db: SourceDB) -> SourceDB:
    db.zone("Z", id=1)
    db.slot(1, "S1", id=1)
    db.slot(1, "S2", id=2)
    db.vehicle("TZ 1", id=1)
    db.vehicle("TZ 2", id=2)
    db.session(1, 1, id=1, entry="2026-03-10 04:00:00", exit="2026-03-10 05:15:00", amount="2.00")
    db.session(2, 2, id=2, entry="2026-03-10 18:30:00")
    db.session(
        1,
        1,
        id=3,
        entry="2026-03-10 06:00:00.500000",  # microseconds, as Django
        exit="2026-03-10 06:45:00.500000",
        amount="1.00",
    )  # writes them when non-zero
    db.payment(1, "2.00", id=1, paid_at="2026-03-10 05:15:00")
    return db


@pytest.mark.parametrize(
    "tz, expected",
    [
        (
            "UTC",
            {
                "entry": "2026-03-10T04:00:00+00:00",
                "exit": "2026-03-10T05:15:00+00:00",
                "active_entry": "2026-03-10T18:30:00+00:00",
                "active_hours": 5.5,
                "users": 2,
                "hours": {4: 1, 6: 1, 18: 1},
                "T": "2026-03-11T00:00:00+00:00",
            },
        ),
        # +05:30: session 2 enters exactly at T (D+1 00:00 local)
        (
            "Asia/Kolkata",
            {
                "entry": "2026-03-10T09:30:00+05:30",
                "exit": "2026-03-10T10:45:00+05:30",
                "active_entry": "2026-03-11T00:00:00+05:30",
                "active_hours": 0.0,
                "users": 1,
                "hours": {9: 1, 11: 1},
                "T": "2026-03-11T00:00:00+05:30",
            },
        ),
    ],
)
def test_offsets_other_than_whole_hours_and_utc(tmp_path, tz, expected):
    db = _two_sessions(SourceDB(tmp_path / "source.sqlite3"))
    out = build(db, date(2026, 3, 10), tz)
    assert_json(
        out["completed_sessions"],
        [
            {"session_id": 3, "duration_hours": 0.75},
            {
                "session_id": 1,
                "entry_time": expected["entry"],
                "exit_time": expected["exit"],
                "duration_hours": 1.25,
            },
        ],
    )
    assert_json(
        out["active_sessions"],
        [
            {
                "session_id": 2,
                "entry_time": expected["active_entry"],
                "duration_hours": expected["active_hours"],
            },
        ],
    )
    assert_json(
        out["dashboard_summary"],
        {
            "active_sessions": 1,
            "completed_sessions": 2,
            "revenue_today": 2.0,
            "users_today": expected["users"],
        },
    )
    assert_json(out["peak_hours"]["hourly_breakdown"], _hours(expected["hours"]))
    assert_json(system_metrics_rows(db, tz), [{"timestamp": expected["T"]}])
    db.close()
