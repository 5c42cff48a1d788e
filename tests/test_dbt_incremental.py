"""A daily incremental build gives exactly what a full rebuild from scratch gives, after the
source changed in every way the incremental models must notice."""

from __future__ import annotations

from datetime import date

import duckdb
import pytest
from sourcedb import SourceDB
from test_dbt_support import build, load_raw

TZ = "America/New_York"  # 2026-03-08 has 23 hours there
D1, D2 = date(2026, 3, 8), date(2026, 3, 9)

COMPARED = [
    "core.fct_parking_sessions", "core.fct_payments", "core.dim_slots", "core.dim_vehicles",
    "quarantine.quarantined_rows", "marts.dashboard_summary", "marts.zone_occupancy",
    "marts.revenue_daily", "marts.peak_hours", "marts.active_sessions", "marts.completed_sessions",
    "marts.vehicle_analytics", "marts.payment_analytics", "marts.payment_by_method",
    "marts.payment_by_status", "marts.recent_transactions", "marts.slot_usage",
    "marts.row_reconciliation", "marts.quarantine_summary", "marts.source_freshness",
]


def _contents(warehouse, table):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = [name for (name,) in con.execute(
            "select column_name from information_schema.columns where table_schema || '.' || "
            "table_name = ? and column_name not in ('_built_at', '_as_of') order by ordinal_position", [table]
        ).fetchall()]
        select = ", ".join(f'"{c}"' for c in columns)
        return con.execute(f"select {select} from {table} order by all").fetchall()
    finally:
        con.close()


@pytest.fixture(scope="module")
def two_days(tmp_path_factory):
    folder = tmp_path_factory.mktemp("incremental")
    db = SourceDB(folder / "source.sqlite3")
    owner = db.user()
    zone = db.zone("Center")
    a1, a2, a3 = db.slot(zone, "A1"), db.slot(zone, "A2"), db.slot(zone, "A3")
    car, van = db.vehicle("CAR 1", owner=owner), db.vehicle("VAN 2", vehicle_type="van")
    done = db.session(a1, car, entry="2026-03-08 06:00:00", exit="2026-03-08 09:00:00", amount="6.00")
    paid = db.payment(done, "6.00", paid_at="2026-03-08 09:00:05", transaction_id="T1")
    parked = db.session(a2, van, entry="2026-03-08 20:00:00")
    pending = db.payment(parked, "9.00", status="pending", created="2026-03-08 21:00:00",
                         transaction_id="T2")
    on_a3 = db.session(a3, car, entry="2026-03-08 10:00:00", exit="2026-03-08 11:00:00", amount="2.00")
    db.payment(on_a3, "2.00", method="online", paid_at="2026-03-08 11:00:01", transaction_id="T3")
    orphan = db.session(a1, 50, entry="2026-03-08 12:00:00", exit="2026-03-08 13:00:00", amount="2.00")
    db.payment(orphan, "2.00", paid_at="2026-03-08 13:00:02", transaction_id="T4")
    doomed = db.session(a1, van, entry="2026-03-08 14:00:00", exit="2026-03-08 15:00:00", amount="2.00")
    db.payment(60, "3.00", paid_at="2026-03-08 16:00:00", transaction_id="T6")  # session arrives later

    incremental = folder / "incremental.duckdb"
    build(db, incremental, D1, TZ)

    # the next day in the source
    later = "2026-03-09 15:00:00"
    db.execute("update backend_core_parkingsession set exit_time = ?, status = 'completed', "
               "amount = '18.00', updated_at = ? where id = ?", ["2026-03-09 14:00:00", later, parked])
    db.execute("update backend_core_payment set status = 'completed', amount = '18.00', "
               "paid_at = ?, updated_at = ? where id = ?", ["2026-03-09 14:00:10", later, pending])
    db.execute("update backend_core_payment set status = 'refunded', updated_at = ? where id = ?",
               [later, paid])
    db.execute("update backend_core_parkingslot set slot_type = 'Garage', updated_at = ? "
               "where id = ?", [later, a3])                         # cascades to session + payment
    db.vehicle("LATE 50", id=50, created=later)                      # the orphan session is fixed
    db.execute("delete from backend_core_parkingsession where id = ?", [doomed])
    fresh = db.session(a1, car, entry="2026-03-09 16:00:00", exit="2026-03-09 17:30:00", amount="4.00")
    db.payment(fresh, "4.00", method="online", paid_at="2026-03-09 17:30:09", transaction_id="T5")
    db.payment(fresh, "4.00", method="online", paid_at="2026-03-09 17:30:10", transaction_id=" T5")
    db.session(a2, van, entry="2026-03-09 23:00:00")
    db.session(a1, van, id=60, entry="2026-03-08 15:30:00", exit="2026-03-08 15:50:00",
               amount="3.00", updated=later)
    db.payment(fresh, "1.00", paid_at="2026-03-09 18:00:00", transaction_id="T3 ")  # an old id again
    db.commit()
    build(db, incremental, D2, TZ)

    rebuilt = folder / "rebuilt.duckdb"
    load_raw(db.path, rebuilt)
    from parking_warehouse.transform import build_models

    build_models(rebuilt, run_date=D2, timezone=TZ, full_refresh=True)
    yield incremental, rebuilt, db
    db.close()


@pytest.mark.parametrize("table", COMPARED)
def test_incremental_build_equals_full_rebuild(two_days, table):
    incremental, rebuilt, _ = two_days
    assert _contents(incremental, table) == _contents(rebuilt, table)


def test_incremental_build_picked_up_every_change(two_days):
    incremental, _, _ = two_days
    con = duckdb.connect(str(incremental), read_only=True)
    try:
        statuses = con.execute("select payment_id, status from core.fct_payments order by 1").fetchall()
        sessions = con.execute("select session_id from core.fct_parking_sessions order by 1").fetchall()
        history = con.execute("select run_date, daily_revenue from marts.system_metrics "
                              "order by run_date").fetchall()
    finally:
        con.close()
    assert statuses == [(1, "refunded"), (2, "completed"), (4, "completed"), (5, "completed"),
                        (6, "completed")]
    assert [s for (s,) in sessions] == [1, 2, 4, 6, 7, 60]
    assert [(str(d), str(r)) for d, r in history] == [("2026-03-08", "8.00"), ("2026-03-09", "22.00")]


def test_backfill_of_an_earlier_day_equals_its_full_rebuild(two_days, tmp_path):
    from parking_warehouse.transform import build_models

    incremental, _, db = two_days
    backfilled = tmp_path / "backfilled.duckdb"
    backfilled.write_bytes(incremental.read_bytes())
    build_models(backfilled, run_date=D1, timezone=TZ)
    rebuilt = tmp_path / "rebuilt.duckdb"
    load_raw(db.path, rebuilt)
    build_models(rebuilt, run_date=D1, timezone=TZ, full_refresh=True)
    for table in COMPARED:
        assert _contents(backfilled, table) == _contents(rebuilt, table), table


def _plate_index_and_leftovers(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        indexes = con.execute("select table_name, expressions from duckdb_indexes() "
                              "where schema_name = 'marts'").fetchall()
        leftovers = con.execute("select table_name from information_schema.tables "
                                "where table_name like '%__dbt_%'").fetchall()
        return indexes, leftovers
    finally:
        con.close()


def test_a_full_refresh_of_an_indexed_warehouse_keeps_the_plate_index(two_days, tmp_path):
    """The plate index must not stop a full refresh (DuckDB cannot rename an indexed table, and
    dropping the index in the renaming transaction broke concurrent models' catalog reads)."""
    from parking_warehouse.transform import build_models

    incremental, _, _ = two_days
    refreshed = tmp_path / "refreshed.duckdb"
    refreshed.write_bytes(incremental.read_bytes())
    assert _plate_index_and_leftovers(refreshed) == ([("vehicle_analytics", "[vehicle_number]")], [])
    build_models(refreshed, run_date=D2, timezone=TZ, full_refresh=True)
    assert _plate_index_and_leftovers(refreshed) == ([("vehicle_analytics", "[vehicle_number]")], [])


def test_a_warehouse_with_another_state_version_gets_a_full_refresh_by_itself(two_days, tmp_path):
    """A release that changes an incremental model's columns raises STATE_VERSION: the first
    build of a warehouse built before is a full refresh, not dbt's refusal of the new schema."""
    import duckdb

    from parking_warehouse.transform import BUILDS_TABLE, STATE_VERSION, build_models

    incremental, rebuilt, _ = two_days
    older = tmp_path / "older.duckdb"
    older.write_bytes(incremental.read_bytes())
    con = duckdb.connect(str(older))
    try:
        con.execute(f"update {BUILDS_TABLE} set state_version = ?", [STATE_VERSION - 1])
        # what an older release left: the state table without the columns added since
        con.execute("alter table core.int_sessions__kpi_days drop column collected_at")
    finally:
        con.close()

    result = build_models(older, run_date=D2, timezone=TZ)
    assert result.full_refresh
    assert result.refresh_reason == (f"the incremental models' state is version {STATE_VERSION - 1}, "
                                     f"this release's is {STATE_VERSION}")
    for table in ("core.int_sessions__kpi_days", "marts.zone_day_kpis"):
        assert _contents(older, table) == _contents(rebuilt, table)

    again = build_models(older, run_date=D2, timezone=TZ)
    assert not again.full_refresh and again.refresh_reason is None

    # a record made before the state version was: no record of it, a full refresh, recorded
    con = duckdb.connect(str(older))
    try:
        con.execute(f"alter table {BUILDS_TABLE} drop column state_version")
    finally:
        con.close()
    result = build_models(older, run_date=D2, timezone=TZ)
    assert result.refresh_reason == "no record of the build that made the models"
    con = duckdb.connect(str(older), read_only=True)
    try:
        assert con.execute(f"select state_version from {BUILDS_TABLE} order by built_at desc limit 1"
                           ).fetchone() == (STATE_VERSION,)
    finally:
        con.close()


def _vehicle_rows(warehouse):
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return {number: (visits, zone, built) for number, visits, zone, built in con.execute(
            "select vehicle_number, total_visits, preferred_zone, _built_at from marts.vehicle_analytics"
        ).fetchall()}
    finally:
        con.close()


def test_vehicles_follow_their_slots_and_only_they_are_recomputed(tmp_path):
    """A slot moved to another zone changes its parkers' preferred zone, a renamed zone changes
    which of two equally visited zones is preferred (the alphabetical one), a slot that stops
    being trusted takes their visits away, although none of their own rows changed; a vehicle
    whose quarantined session did not change is not recomputed, nor one whose slot only turned
    occupied (a slot's row changes on every entry and exit)."""
    from parking_warehouse.transform import build_models

    db = SourceDB(tmp_path / "source.sqlite3")
    center, north, west = db.zone("Center"), db.zone("North"), db.zone("West")
    a1, b1, c1 = db.slot(center, "A1"), db.slot(center, "B1"), db.slot(center, "C1")
    n1, w1 = db.slot(north, "N1"), db.slot(west, "W1")
    truck, bike = db.vehicle("TRUCK 4", vehicle_type="van"), db.vehicle("BIKE 3", vehicle_type="motorcycle")
    car = db.vehicle("CAR 1")
    # The sessions are weeks old: outside the look-back in which the checked models re-type
    # recent rows anyway (lookback_days), so only the slots' changes can reach them.
    for entry, slot in (("06:00", b1), ("09:00", b1), ("12:00", a1)):  # 2 on B1, 1 on A1: Center
        db.session(slot, truck, entry=f"2026-02-08 {entry}:00", exit=f"2026-02-08 {entry[:2]}:30:00",
                   amount="1.00")
    db.session(c1, bike, entry="2026-02-08 07:00:00", exit="2026-02-08 08:00:00", amount="2.00")
    cab = db.vehicle("CAB 6")  # one visit in North, one in West: North, first of the two names
    db.session(n1, cab, entry="2026-02-08 09:00:00", exit="2026-02-08 10:00:00", amount="2.00")
    db.session(w1, cab, entry="2026-02-08 11:00:00", exit="2026-02-08 12:00:00", amount="2.00")
    # a recent vehicle and session: the look-back then starts after the others (2026-01-01)
    van = db.vehicle("VAN 5", vehicle_type="van", created="2026-03-07 00:00:00")
    db.session(a1, van, entry="2026-03-08 07:00:00", exit="2026-03-08 08:00:00", amount="2.00")
    db.session(a1, car, entry="2026-02-08 14:00:00", exit="2026-02-08 15:00:00", amount="2.00")
    db.session(a1, car, entry="2026-02-08 16:00:00", exit="2026-02-08 15:00:00", amount="2.00")  # quarantined
    incremental = tmp_path / "incremental.duckdb"
    build(db, incremental, D1, TZ)
    before = _vehicle_rows(incremental)
    assert {n: v[:2] for n, v in before.items()} == {
        "TRUCK 4": (3, "Center"), "BIKE 3": (1, "Center"), "CAR 1": (1, "Center"), "VAN 5": (1, "Center"),
        "CAB 6": (2, "North")}

    later = "2026-03-09 10:00:00"
    db.execute("update backend_core_parkingslot set zone_id = ?, updated_at = ? where id = ?", [north, later, b1])
    db.execute("update backend_core_parkingslot set slot_type = 'Garage', updated_at = ? where id = ?", [later, c1])
    db.execute("update backend_core_parkingslot set is_occupied = 1, updated_at = ? where id = ?", [later, a1])
    db.execute("update backend_core_parkingzone set name = 'East', updated_at = ? where id = ?", [later, west])
    build(db, incremental, D2, TZ)
    rebuilt = tmp_path / "rebuilt.duckdb"
    load_raw(db.path, rebuilt)
    build_models(rebuilt, run_date=D2, timezone=TZ, full_refresh=True)

    assert _contents(incremental, "marts.vehicle_analytics") == _contents(rebuilt, "marts.vehicle_analytics")
    after = _vehicle_rows(incremental)
    assert {n: v[:2] for n, v in after.items()} == {
        "TRUCK 4": (3, "North"), "CAR 1": (1, "Center"), "VAN 5": (1, "Center"), "CAB 6": (2, "East")}
    assert after["CAR 1"][2] == before["CAR 1"][2]  # not recomputed: nothing of it changed
