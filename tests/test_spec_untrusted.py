"""Scenario 6: rows that cannot be trusted. One of each kind, plus the cascades.

The same trusted baseline is built twice: alone ("clean") and with the bad rows added
("dirty", ids >= 100 and the two duplicate transaction ids 11 and 13). Every output of the
dirty build must equal the clean one; every bad row is in quarantine under its table and key;
for every table rows extracted = trusted + quarantined.

Berlin, D = 2026-04-20 (CEST), T = 2026-04-20 22:00Z.

Readings: a negative session `amount` is "a negative amount" like a payment's; every enumerated
column (role, slot_type, vehicle_type, session status, payment method and status) must match
exactly. Exact duplicate transaction ids (possible only where the source's UNIQUE index was
dropped) are not planted: the SQLite schema here enforces the index.
"""

from __future__ import annotations

from datetime import date

import pytest
from sourcedb import SourceDB
from spec_scenarios import (
    BERLIN,
    assert_json,
    build,
    connect,
    quarantine_reasons,
    quarantined,
    reconciliation,
)

pytestmark = pytest.mark.slow  # real dbt builds: ~15 s each

D = date(2026, 4, 20)
NINE = (
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


def make_baseline(db: SourceDB) -> SourceDB:
    db.user("user", id=1)
    db.user("staff", id=2)
    db.zone("Center", "2.00", id=1)
    db.slot(1, "A1", id=1)
    db.slot(1, "A2", id=2)
    db.vehicle("B-OK 1", owner=1, id=1)
    db.vehicle("B-OK 2", owner=None, id=2)
    db.session(1, 1, id=1, entry="2026-04-20 08:00:00", exit="2026-04-20 10:00:00", amount="4.00")
    db.session(
        2,
        2,
        id=2,
        entry="2026-04-20 12:00:00",
        exit="2026-04-20 12:00:00",  # zero length
        amount="0.00",
    )
    db.session(2, 2, id=3, entry="2026-04-20 15:00:00")
    db.payment(
        1, "4.00", id=1, method="cash", transaction_id="TX-OK-1", paid_at="2026-04-20 10:00:10"
    )
    db.payment(
        1,
        "4.00",
        id=10,
        method="online",
        status="failed",
        transaction_id="TX-9",
        created="2026-04-20 10:00:00",
    )
    db.payment(
        1,
        "4.00",
        id=12,
        method="online",
        status="failed",
        transaction_id="TX-7 ",
        created="2026-04-20 10:00:02",
    )
    return db


BAD = "2026-04-20 11:00:00"  # created_at of bad payments: later than the good ones


def add_bad_rows(db: SourceDB) -> SourceDB:
    # duplicate transaction ids after trimming: the lowest id keeps it
    db.payment(
        1,
        "4.00",
        id=11,
        method="online",
        status="failed",
        transaction_id="TX-9 ",
        created="2026-04-20 10:00:01",
    )
    db.payment(
        1,
        "4.00",
        id=13,
        method="online",
        status="failed",
        transaction_id="TX-7",
        created="2026-04-20 10:00:03",
    )
    # users, zones, slots, vehicles
    db.user("superuser", id=100)  # unknown role
    db.zone("Broken", "abc", id=100)  # unparseable rate
    db.slot(100, "X1", id=100)  # zone quarantined
    db.slot(999, "X2", id=101)  # orphan zone
    db.slot(1, "X3", id=102, slot_type="VIP")  # unknown slot_type
    db.vehicle("B-BAD 100", owner=100, id=100)  # owner quarantined
    db.vehicle("B-BAD 101", owner=999, id=101)  # orphan owner
    db.vehicle("B-BAD 102", id=102, vehicle_type="truck")  # unknown type
    # sessions (all inside W(D): they would show if trusted)
    e, x = "2026-04-20 13:00:00", "2026-04-20 14:00:00"
    db.session(999, 1, id=100, entry=e, exit=x, amount="2.00")  # orphan slot
    db.session(1, 999, id=101, entry=e, exit=x, amount="2.00")  # orphan vehicle
    db.session(1, 1, id=102, entry=x, exit=e, amount="2.00")  # exit before entry
    db.session(1, 1, id=103, entry="2099-01-01 00:00:00", updated=e)  # entry in the future
    db.session(1, 1, id=104, entry=e, exit=x, amount="-3.00")  # negative amount
    db.session(1, 1, id=105, entry=e, exit=x, amount="2.00", status="Completed")  # unknown status
    db.session(1, 1, id=106, entry="not a date", created=e, updated=e)  # unparseable
    db.session(
        1, 1, id=107, entry="2026-02-30 10:00:00", exit="2026-02-30 11:00:00", amount="2.00"
    )  # no such date
    db.session(100, 1, id=108, entry=e, exit=x, amount="2.00")  # slot quarantined
    db.session(1, 100, id=109, entry=e, exit=x, amount="2.00")  # vehicle quarantined
    db.session(1, 1, id=110, entry=e, exit=x, amount="100000000.00")  # >= 10^8
    db.session(1, 1, id=111, entry=e, exit=x, amount="NaN")  # NaN
    db.session(102, 1, id=112, entry=e, exit=x, amount="2.00")  # slot quarantined
    db.session(1, 101, id=113, entry=e, exit=x, amount="2.00")  # vehicle quarantined
    # payments
    p = db.payment
    p(1, "-5.00", id=100, paid_at=BAD)  # negative amount
    p(1, "4.00", id=101, method="Cash", paid_at=BAD)  # unknown method
    p(1, "4.00", id=102, created=BAD)  # completed, no paid_at
    p(1, "100000000", id=103, paid_at=BAD)  # >= 10^8
    p(1, "NaN", id=104, paid_at=BAD)  # NaN
    p(1, float("inf"), id=105, paid_at=BAD)  # infinity (REAL)
    p(102, "2.00", id=106, paid_at="2026-04-20 14:00:05")  # session quarantined
    p(999, "2.00", id=107, paid_at=BAD)  # orphan session
    p(1, "4.00", id=108, paid_at="garbage", created=BAD, updated=BAD)  # unparseable paid_at
    p(1, "4.00", id=109, status="done", created=BAD)  # unknown status
    p(109, "2.00", id=110, paid_at="2026-04-20 14:00:05")  # 3-level cascade
    p(1, "4.00", id=111, paid_at=BAD, created="yesterday")  # unparseable created_at
    return db


EXPECTED_QUARANTINE = {
    "users_customuser": {"100"},
    "backend_core_parkingzone": {"100"},
    "backend_core_parkingslot": {"100", "101", "102"},
    "backend_core_vehicle": {"100", "101", "102"},
    "backend_core_parkingsession": {str(i) for i in range(100, 114)},
    "backend_core_payment": {"11", "13"} | {str(i) for i in range(100, 112)},
}

# (extracted, trusted, quarantined)
EXPECTED_RECONCILIATION = {
    "users_customuser": (3, 2, 1),
    "backend_core_parkingzone": (2, 1, 1),
    "backend_core_parkingslot": (5, 2, 3),
    "backend_core_vehicle": (5, 2, 3),
    "backend_core_parkingsession": (17, 3, 14),
    "backend_core_payment": (17, 3, 14),
}


@pytest.fixture(scope="module")
def clean_and_dirty(tmp_path_factory):
    clean = make_baseline(SourceDB(tmp_path_factory.mktemp("clean") / "source.sqlite3"))
    dirty = add_bad_rows(
        make_baseline(SourceDB(tmp_path_factory.mktemp("dirty") / "source.sqlite3"))
    )
    clean_out = build(clean, D, BERLIN)
    dirty_out = build(dirty, D, BERLIN)
    yield clean, clean_out, dirty, dirty_out
    clean.close()
    dirty.close()


def test_untrusted_rows_are_each_quarantined_under_their_table_and_key(clean_and_dirty):
    _, _, dirty, _ = clean_and_dirty
    assert quarantined(dirty) == EXPECTED_QUARANTINE


def test_cascaded_rows_are_quarantined_as_orphans(clean_and_dirty):
    _, _, dirty, _ = clean_and_dirty
    reasons = quarantine_reasons(dirty)
    cascades = [
        ("backend_core_parkingslot", "100"),
        ("backend_core_parkingslot", "101"),
        ("backend_core_vehicle", "100"),
        ("backend_core_vehicle", "101"),
        ("backend_core_parkingsession", "100"),
        ("backend_core_parkingsession", "101"),
        ("backend_core_parkingsession", "108"),
        ("backend_core_parkingsession", "109"),
        ("backend_core_parkingsession", "112"),
        ("backend_core_parkingsession", "113"),
        ("backend_core_payment", "106"),
        ("backend_core_payment", "107"),
        ("backend_core_payment", "110"),
    ]
    not_orphan = {
        key: reasons.get(key)
        for key in cascades
        if not any("orphan" in r.lower() for r in reasons.get(key, ()))
    }
    assert not_orphan == {}


def test_clean_rows_are_not_quarantined(clean_and_dirty):
    clean, _, _, _ = clean_and_dirty
    assert quarantined(clean) == {table: set() for table in EXPECTED_QUARANTINE}


def test_row_reconciliation_balances(clean_and_dirty):
    clean, _, dirty, _ = clean_and_dirty
    assert reconciliation(dirty) == EXPECTED_RECONCILIATION
    assert reconciliation(clean) == {
        t: (e - q, e - q, 0) for t, (e, _, q) in EXPECTED_RECONCILIATION.items()
    }


def test_untrusted_rows_stay_in_raw_as_extracted(clean_and_dirty):
    _, _, dirty, _ = clean_and_dirty
    con = connect(dirty)
    try:
        entry = con.execute(
            "select entry_time from raw.backend_core_parkingsession where id = 106"
        ).fetchone()
        amount = con.execute(
            "select amount from raw.backend_core_payment where id = 104"
        ).fetchone()
        tx = con.execute(
            "select transaction_id from raw.backend_core_payment where id = 11"
        ).fetchone()
    finally:
        con.close()
    assert (entry, amount, tx) == (("not a date",), ("NaN",), ("TX-9 ",))


@pytest.mark.parametrize("name", NINE)
def test_untrusted_rows_are_absent_from_every_output(clean_and_dirty, name):
    _, clean_out, _, dirty_out = clean_and_dirty
    assert dirty_out[name] == clean_out[name]


def test_baseline_outputs_by_hand(clean_and_dirty):
    _, _, _, out = clean_and_dirty
    assert_json(
        out["dashboard_summary"],
        {
            "total_slots": 2,
            "occupied_slots": 1,
            "available_slots": 1,
            "occupancy_rate": 50.0,
            "active_sessions": 1,
            "completed_sessions": 2,
            "revenue_today": 4.0,
            "users_today": 2,
        },
    )
    assert_json(
        out["completed_sessions"],
        [
            {
                "session_id": 2,
                "vehicle_number": "B-OK 2",
                "owner_id": None,
                "zone_name": "Center",
                "slot_number": "A2",
                "entry_time": "2026-04-20T14:00:00+02:00",
                "exit_time": "2026-04-20T14:00:00+02:00",
                "duration_hours": 0.0,
                "amount": 0.0,
                "payment_status": "unpaid",
                "payment_method": None,
            },
            {
                "session_id": 1,
                "vehicle_number": "B-OK 1",
                "owner_id": 1,
                "zone_name": "Center",
                "slot_number": "A1",
                "entry_time": "2026-04-20T10:00:00+02:00",
                "exit_time": "2026-04-20T12:00:00+02:00",
                "duration_hours": 2.0,
                "amount": 4.0,
                "payment_status": "completed",
                "payment_method": "cash",
            },
        ],
    )
    assert_json(
        out["payment_analytics"],
        {
            "total_revenue": 4.0,
            "transaction_count": 1,
            "average_payment": 4.0,
            "by_method": [{"payment_method": "cash", "amount": 4.0, "count": 1}],
            "by_status": [
                {"status": "completed", "count": 1, "amount": 4.0},
                {"status": "failed", "count": 2, "amount": 8.0},
            ],
            "recent_transactions": [
                {
                    "payment_id": 1,
                    "session_id": 1,
                    "vehicle_number": "B-OK 1",
                    "amount": 4.0,
                    "payment_method": "cash",
                    "status": "completed",
                    "transaction_id": "TX-OK-1",
                    "created_at": "2026-04-20T12:00:10+02:00",
                    "paid_at": "2026-04-20T12:00:10+02:00",
                },
                {
                    "payment_id": 12,
                    "session_id": 1,
                    "status": "failed",
                    "created_at": "2026-04-20T12:00:02+02:00",
                    "paid_at": None,
                },
                {
                    "payment_id": 10,
                    "session_id": 1,
                    "status": "failed",
                    "transaction_id": "TX-9",
                    "created_at": "2026-04-20T12:00:00+02:00",
                    "paid_at": None,
                },
            ],
        },
    )
    assert_json(
        out["slot_usage"],
        [
            {
                "slot_id": 2,
                "slot_number": "A2",
                "total_sessions": 2,
                "revenue": 0.0,
                "is_occupied": True,
                "usage_rank": 1,
            },
            {
                "slot_id": 1,
                "slot_number": "A1",
                "total_sessions": 1,
                "revenue": 4.0,
                "is_occupied": False,
                "usage_rank": 2,
            },
        ],
    )
    assert [v["vehicle_number"] for v in out["vehicle_analytics"]] == ["B-OK 1", "B-OK 2"]


def test_invalid_utf8_text_is_kept_with_replacement_characters(source_db):
    source_db.zone("Nord", id=1)
    source_db.slot(1, "N1", id=1)
    source_db.vehicle("B-X 1", id=1)
    source_db.session(1, 1, id=1, entry="2026-04-20 08:00:00")
    source_db.execute("update backend_core_parkingzone set name = cast(x'4e6f7264ff' as text)")
    source_db.execute(
        "update backend_core_vehicle set vehicle_number = cast(x'422dff2031' as text)"
    )
    out = build(source_db, D, BERLIN)
    assert_json(
        out["zone_occupancy"],
        [
            {
                "zone_id": 1,
                "zone_name": "Nord\ufffd",
                "total_slots": 1,
                "occupied_slots": 1,
                "available_slots": 0,
                "occupancy_rate": 100.0,
                "active_sessions": 1,
            },
        ],
    )
    assert_json(
        out["active_sessions"],
        [
            {"session_id": 1, "vehicle_number": "B-\ufffd 1", "zone_name": "Nord\ufffd"},
        ],
    )
    assert quarantined(source_db) == {table: set() for table in EXPECTED_QUARANTINE}
    assert reconciliation(source_db) == {
        "users_customuser": (0, 0, 0),
        "backend_core_parkingzone": (1, 1, 0),
        "backend_core_parkingslot": (1, 1, 0),
        "backend_core_vehicle": (1, 1, 0),
        "backend_core_parkingsession": (1, 1, 0),
        "backend_core_payment": (0, 0, 0),
    }


# The reason strings documented in dbt_project/models/quarantine/_quarantine.yml
# (one per row, the row's own rule first, then orphan key, then duplicate transaction_id).
UNPARSEABLE, ENUM, NEGATIVE = "unparseable value", "unknown enumerated value", "negative amount"
ORPHAN, DUPLICATE = "orphan key", "duplicate transaction_id"
EXPECTED_REASONS = {
    ("users_customuser", "100"): ENUM,
    ("backend_core_parkingzone", "100"): UNPARSEABLE,
    ("backend_core_parkingslot", "100"): ORPHAN,
    ("backend_core_parkingslot", "101"): ORPHAN,
    ("backend_core_parkingslot", "102"): ENUM,
    ("backend_core_vehicle", "100"): ORPHAN,
    ("backend_core_vehicle", "101"): ORPHAN,
    ("backend_core_vehicle", "102"): ENUM,
    **{("backend_core_parkingsession", str(k)): ORPHAN for k in (100, 101, 108, 109, 112, 113)},
    ("backend_core_parkingsession", "102"): "exit before entry",
    ("backend_core_parkingsession", "103"): "entry in the future",
    ("backend_core_parkingsession", "104"): NEGATIVE,
    ("backend_core_parkingsession", "105"): ENUM,
    **{("backend_core_parkingsession", str(k)): UNPARSEABLE for k in (106, 107, 110, 111)},
    ("backend_core_payment", "11"): DUPLICATE,
    ("backend_core_payment", "13"): DUPLICATE,
    ("backend_core_payment", "100"): NEGATIVE,
    ("backend_core_payment", "101"): ENUM,
    ("backend_core_payment", "102"): "completed payment without paid_at",
    **{("backend_core_payment", str(k)): UNPARSEABLE for k in (103, 104, 105, 108, 111)},
    **{("backend_core_payment", str(k)): ORPHAN for k in (106, 107, 110)},
    ("backend_core_payment", "109"): ENUM,
}


def test_quarantine_reasons_are_the_documented_ones(clean_and_dirty):
    _, _, dirty, _ = clean_and_dirty
    assert quarantine_reasons(dirty) == {key: {reason} for key, reason in EXPECTED_REASONS.items()}


def test_exact_duplicate_transaction_id_where_the_index_was_dropped(source_db):
    """The contract: 'exact copies where the index was dropped'. The lowest id keeps it."""
    source_db.execute("drop table backend_core_payment")
    source_db.execute(
        "create table backend_core_payment (id integer not null primary key autoincrement,"
        " amount decimal not null, payment_method varchar(20) not null,"
        " status varchar(20) not null, transaction_id varchar(100) null, paid_at datetime null,"
        " created_at datetime not null, updated_at datetime not null,"
        " session_id bigint not null references backend_core_parkingsession (id))"
    )
    source_db.zone("Center", id=1)
    source_db.slot(1, "A1", id=1)
    source_db.vehicle("B-DUP 1", id=1)
    source_db.session(
        1, 1, id=1, entry="2026-04-20 08:00:00", exit="2026-04-20 09:00:00", amount="3.00"
    )
    for pid, tx in ((1, "TX-1"), (2, "TX-1"), (3, " TX-1")):
        source_db.payment(1, "3.00", id=pid, transaction_id=tx, paid_at="2026-04-20 09:00:05")
    out = build(source_db, D, BERLIN)
    assert quarantined(source_db)["backend_core_payment"] == {"2", "3"}
    assert_json(
        out["revenue_report"],
        {
            "total_revenue": 3.0,
            "transaction_count": 1,
            "by_payment_method": [{"payment_method": "cash", "amount": 3.0, "count": 1}],
        },
    )
    assert reconciliation(source_db)["backend_core_payment"] == (3, 1, 2)
