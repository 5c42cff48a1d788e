"""Rows that break the contract land in quarantine with their reason, trust cascades to children,
and for every table rows extracted = rows trusted + rows quarantined."""

from __future__ import annotations

from datetime import date

import pytest
from sourcedb import SourceDB
from test_dbt_support import build, load_raw, outputs_of, query

from parking_warehouse.errors import ParkingWarehouseError

D = date(2026, 3, 10)
E, X, PAID = "2026-03-10 09:00:00", "2026-03-10 10:00:00", "2026-03-10 10:00:05"


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quarantine")
    db = SourceDB(folder / "source.sqlite3")
    owner = db.user(id=1)
    zone = db.zone("Center", id=1)
    slot = db.slot(zone, "A1", id=1)
    car = db.vehicle("B-OK 1", owner=owner, id=1)
    good = db.session(slot, car, entry=E, exit=X, amount="2.00", id=1)
    db.payment(good, "2.00", paid_at=PAID, transaction_id="TX-9", id=1)

    db.user(role="superuser", id=2)                                   # unknown enumerated value
    db.vehicle("B-BAD 2", owner=2, id=2)                              # orphan: owner quarantined
    db.vehicle("B-BAD 3", owner=999, id=3)                            # orphan: owner missing
    db.vehicle("B-BAD 4", vehicle_type="truck", id=4)                 # unknown enumerated value
    db.zone("Broken", hourly_rate="abc", id=2)                        # unparseable value
    db.slot(2, "Z1", id=2)                                            # orphan: zone quarantined
    db.slot(999, "Z2", id=3)                                          # orphan: zone missing
    db.slot(zone, "A9", slot_type="Garage", id=4)                     # unknown enumerated value
    db.session(2, car, entry=E, exit=X, amount="2.00", id=2)          # orphan: slot quarantined
    db.session(slot, 2, entry=E, exit=X, amount="2.00", id=3)         # orphan: vehicle quarantined
    db.session(slot, car, entry=X, exit=E, amount="2.00", id=4)       # exit before entry
    db.session(slot, car, entry="2099-01-01 00:00:00", id=5, updated=E)  # entry in the future
    db.session(slot, car, entry=E, exit=X, amount="-5.00", id=6)      # negative amount
    db.session(slot, car, entry=E, exit=X, status="Done", id=7)       # unknown enumerated value
    db.session(slot, car, entry="yesterday", updated=E, id=8)         # unparseable value
    db.session(slot, car, entry=E, exit=E, amount="0", id=9)          # zero-length: trusted
    db.payment(2, "2.00", paid_at=PAID, id=2)                         # orphan: session quarantined
    db.payment(999, "2.00", paid_at=PAID, id=3)                       # orphan: session missing
    db.payment(good, "-1.00", paid_at=PAID, id=4)                     # negative amount
    db.payment(good, "2.00", method="Cash", paid_at=PAID, id=5)       # unknown enumerated value
    db.payment(good, "2.00", created=PAID, id=6)                      # completed without paid_at
    db.payment(good, "2.00", paid_at=PAID, transaction_id="TX-9 ", id=7)  # duplicate after trim
    db.payment(good, "100000000", paid_at=PAID, id=8)                 # unparseable: 10^8
    db.payment(good, "NaN", paid_at=PAID, id=9)                       # unparseable: NaN
    db.payment(good, "2.00", paid_at="2026-02-30 10:00:00", id=10)    # unparseable datetime
    warehouse = folder / "warehouse.duckdb"
    build(db, warehouse, D, "UTC")
    yield db, warehouse
    db.close()


EXPECTED = {
    ("users_customuser", 2): "unknown enumerated value",
    ("backend_core_vehicle", 2): "orphan key",
    ("backend_core_vehicle", 3): "orphan key",
    ("backend_core_vehicle", 4): "unknown enumerated value",
    ("backend_core_parkingzone", 2): "unparseable value",
    ("backend_core_parkingslot", 2): "orphan key",
    ("backend_core_parkingslot", 3): "orphan key",
    ("backend_core_parkingslot", 4): "unknown enumerated value",
    ("backend_core_parkingsession", 2): "orphan key",
    ("backend_core_parkingsession", 3): "orphan key",
    ("backend_core_parkingsession", 4): "exit before entry",
    ("backend_core_parkingsession", 5): "entry in the future",
    ("backend_core_parkingsession", 6): "negative amount",
    ("backend_core_parkingsession", 7): "unknown enumerated value",
    ("backend_core_parkingsession", 8): "unparseable value",
    ("backend_core_payment", 2): "orphan key",
    ("backend_core_payment", 3): "orphan key",
    ("backend_core_payment", 4): "negative amount",
    ("backend_core_payment", 5): "unknown enumerated value",
    ("backend_core_payment", 6): "completed payment without paid_at",
    ("backend_core_payment", 7): "duplicate transaction_id",
    ("backend_core_payment", 8): "unparseable value",
    ("backend_core_payment", 9): "unparseable value",
    ("backend_core_payment", 10): "unparseable value",
}


def test_each_untrusted_kind_is_quarantined_with_its_reason(dirty):
    _, warehouse = dirty
    rows = query(warehouse, "select table_name, row_key, reason from quarantine.quarantined_rows")
    assert {(table, key): reason for table, key, reason in rows} == EXPECTED
    assert len(rows) == len(EXPECTED)


def test_extracted_equals_trusted_plus_quarantined_for_every_table(dirty):
    _, warehouse = dirty
    rows = query(warehouse, "select * from marts.row_reconciliation order by table_name")
    assert rows == [
        ("backend_core_parkingsession", 9, 2, 7),
        ("backend_core_parkingslot", 4, 1, 3),
        ("backend_core_parkingzone", 2, 1, 1),
        ("backend_core_payment", 10, 1, 9),
        ("backend_core_vehicle", 4, 1, 3),
        ("users_customuser", 2, 1, 1),
    ]
    summary = query(warehouse, "select table_name, reason, row_count from marts.quarantine_summary "
                               "where table_name = 'backend_core_payment'")
    assert summary == [("backend_core_payment", "completed payment without paid_at", 1),
                       ("backend_core_payment", "duplicate transaction_id", 1),
                       ("backend_core_payment", "negative amount", 1),
                       ("backend_core_payment", "orphan key", 2),
                       ("backend_core_payment", "unknown enumerated value", 1),
                       ("backend_core_payment", "unparseable value", 3)]


def test_untrusted_rows_stay_in_raw_and_outside_every_output(dirty):
    _, warehouse = dirty
    assert query(warehouse, "select count(*) from raw.backend_core_payment") == [(10,)]
    outputs = outputs_of(warehouse, "UTC")
    assert outputs["payment_analytics"]["total_revenue"] == 2.0
    assert outputs["payment_analytics"]["transaction_count"] == 1
    assert [v["vehicle_number"] for v in outputs["vehicle_analytics"]] == ["B-OK 1"]
    assert outputs["vehicle_analytics"][0]["total_visits"] == 2  # session 1 and the zero-length 9
    assert [s["slot_number"] for s in outputs["slot_usage"]] == ["A1"]
    assert [(s["session_id"], s["duration_hours"]) for s in outputs["completed_sessions"]] == [
        (1, 1.0), (9, 0.0)]


def test_row_deleted_in_the_source_is_neither_trusted_nor_quarantined(dirty, tmp_path):
    db, warehouse = dirty
    copy = tmp_path / "warehouse.duckdb"
    copy.write_bytes(warehouse.read_bytes())
    db.execute("delete from backend_core_payment where id in (2, 3)")
    db.execute("delete from backend_core_parkingsession where id = 4")
    db.commit()
    try:
        build(db, copy, D, "UTC")
        rows = query(copy, "select * from marts.row_reconciliation where table_name in "
                           "('backend_core_payment', 'backend_core_parkingsession') order by 1")
        assert rows == [("backend_core_parkingsession", 8, 2, 6), ("backend_core_payment", 8, 1, 7)]
        assert query(copy, "select count(*) from raw.backend_core_payment "
                           "where _deleted_at is not null") == [(2,)]
    finally:
        db.execute("insert into backend_core_parkingsession (id, entry_time, exit_time, status, "
                   "amount, created_at, updated_at, slot_id, vehicle_id) values "
                   f"(4, '{X}', '{E}', 'completed', '2.00', '{X}', '{E}', 1, 1)")
        db.commit()


def test_build_failure_names_the_failing_model(tmp_path):
    from parking_warehouse.transform import build_models

    with pytest.raises(ParkingWarehouseError, match="does not exist"):
        build_models(tmp_path / "missing.duckdb", run_date=D, timezone="UTC")
    with pytest.raises(ParkingWarehouseError, match="time zone"):
        build_models(tmp_path / "missing.duckdb", run_date=D, timezone="Mars/Olympus")
    empty = tmp_path / "empty.duckdb"
    db = SourceDB(tmp_path / "source.sqlite3")
    load_raw(db.path, empty)
    db.close()
    import duckdb

    con = duckdb.connect(str(empty))
    con.execute("drop table raw.backend_core_payment")
    con.close()
    with pytest.raises(ParkingWarehouseError, match="no raw.backend_core_payment"):
        build_models(empty, run_date=D, timezone="UTC")
    load_raw(tmp_path / "source.sqlite3", empty)
    con = duckdb.connect(str(empty))
    con.execute("alter table raw.backend_core_payment drop column amount")
    con.close()
    with pytest.raises(ParkingWarehouseError, match="model int_payments__checked"):
        build_models(empty, run_date=D, timezone="UTC")
