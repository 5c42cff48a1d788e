"""zone_day_kpis is incremental by day: a daily run recomputes only the days whose source rows
changed, and gives the rows a full refresh gives; a backfilled day and a day no run was ever for
have the rows the run for that day gives. Real extraction and dbt builds on a small hand-made
source (Europe/Berlin, around the spring daylight-saving change of 2026-03-29).
"""

from __future__ import annotations

from datetime import date

import pytest
from sourcedb import SourceDB
from spec_scenarios import BERLIN, build, connect

pytestmark = pytest.mark.slow  # real dbt builds

KPI_COLUMNS = "* exclude (_built_at)"


def _source(path) -> SourceDB:
    """Two zones (3 + 2 slots), sessions from 03-26 to 03-29 local, one crossing midnight, one
    open, two at once on one slot, paid, unpaid and refunded ones."""
    db = SourceDB(path)
    db.zone("Center", "2.00", id=1)
    db.zone("Harbour", "3.00", id=2)
    for slot_id, zone_id in ((1, 1), (2, 1), (3, 1), (4, 2), (5, 2)):
        db.slot(zone_id, f"S{slot_id}", id=slot_id)
    for vehicle_id in range(1, 6):
        db.vehicle(f"B-KPI {vehicle_id}", id=vehicle_id)
    # 03-26 (CET, UTC+1): a day no later change touches
    db.session(3, 4, id=10, entry="2026-03-26 09:00:00", exit="2026-03-26 11:00:00", amount="4.00")
    db.payment(10, "4.00", id=6, paid_at="2026-03-26 11:00:00", transaction_id="T-6")
    # 03-27
    db.session(1, 1, id=1, entry="2026-03-27 08:00:00", exit="2026-03-27 10:00:00", amount="4.00")
    db.payment(1, "4.00", id=1, paid_at="2026-03-27 10:00:00", transaction_id="T-1")
    db.session(4, 2, id=2, entry="2026-03-27 22:30:00", exit="2026-03-28 01:30:00", amount="9.00")  # crosses midnight
    db.payment(2, "9.00", id=2, paid_at="2026-03-28 01:30:00", transaction_id="T-2")
    # 03-28
    db.session(2, 3, id=3, entry="2026-03-28 09:00:00", exit="2026-03-28 09:10:00", amount="1.00")  # unpaid
    db.session(2, 4, id=4, entry="2026-03-28 12:00:00", exit="2026-03-28 20:00:00", amount="16.00")
    db.payment(4, "16.00", id=3, paid_at="2026-03-28 20:00:00", transaction_id="T-3")
    db.session(5, 5, id=5, entry="2026-03-28 11:00:00")  # open
    db.session(5, 1, id=6, entry="2026-03-28 12:00:00", exit="2026-03-28 13:00:00", amount="3.00")  # same slot
    # 03-29 (23 hours)
    db.session(3, 2, id=7, entry="2026-03-29 06:00:00", exit="2026-03-29 07:30:00", amount="3.00")
    db.payment(7, "3.00", id=4, paid_at="2026-03-29 07:30:00", transaction_id="T-4")
    db.session(1, 3, id=8, entry="2026-03-29 10:00:00", exit="2026-03-29 10:45:00", amount="2.00",
               status="cancelled")
    return db.commit()


def _kpis(db: SourceDB) -> list[tuple]:
    con = connect(db)
    try:
        return con.execute(
            f"select {KPI_COLUMNS} from marts.zone_day_kpis order by kpi_date, zone_id nulls last"
        ).fetchall()
    finally:
        con.close()


def _built_days(db: SourceDB) -> list[str]:
    """The days the last build (re)computed."""
    con = connect(db)
    try:
        return [row[0] for row in con.execute(
            "select distinct strftime(kpi_date, '%Y-%m-%d') from marts.zone_day_kpis "
            "where _built_at = (select max(_built_at) from marts.zone_day_kpis) order by 1"
        ).fetchall()]
    finally:
        con.close()


def test_a_daily_run_recomputes_only_changed_days_and_matches_a_full_refresh(tmp_path):
    db = _source(tmp_path / "source.sqlite3")
    build(db, date(2026, 3, 29), BERLIN)
    assert [row[0].isoformat() for row in _kpis(db)] == [
        day for day in ("2026-03-26", "2026-03-27", "2026-03-28", "2026-03-29") for _ in range(3)]

    # The next day: a new session, an exit time fixed (03-28 02:30 -> 03-27 23:45 local, a
    # correction of the past, and its payment's time with it),
    # a payment refunded, and a late payment of the unpaid 03-28 stay.
    db.session(3, 5, id=9, entry="2026-03-30 08:00:00", exit="2026-03-30 09:00:00", amount="2.00")
    db.execute("update backend_core_parkingsession set exit_time = '2026-03-27 22:45:00', "
               "updated_at = '2026-03-30 10:00:00' where id = 2")
    db.execute("update backend_core_payment set paid_at = '2026-03-27 22:45:00', "
               "updated_at = '2026-03-30 10:00:00' where id = 2")
    db.execute("update backend_core_payment set status = 'refunded', updated_at = '2026-03-30 10:00:00' "
               "where id = 3")
    db.payment(3, "1.00", id=5, paid_at="2026-03-30 12:00:00", transaction_id="T-5")
    build(db, date(2026, 3, 30), BERLIN)
    incremental = _kpis(db)
    # 03-27 and 03-28 (the moved exit and payment, the refund), 03-28 to 03-30 (the late
    # payment of a 03-28 stay: one span of days) and 03-30 (new); not 03-26
    assert _built_days(db) == ["2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30"]

    build(db, date(2026, 3, 30), BERLIN, full_refresh=True)
    assert _kpis(db) == incremental
    assert [row[0].isoformat() for row in incremental][-3:] == ["2026-03-30"] * 3

    # A run that changes nothing recomputes nothing.
    build(db, date(2026, 3, 30), BERLIN)
    assert _kpis(db) == incremental
    assert _built_days(db) == ["2026-03-26", "2026-03-27", "2026-03-28", "2026-03-29", "2026-03-30"]  # the full refresh's


def test_sessions_that_leave_the_trusted_facts_recompute_their_days(tmp_path):
    db = _source(tmp_path / "source.sqlite3")
    build(db, date(2026, 3, 29), BERLIN)
    before = _kpis(db)

    # a 03-28 session turns bad (exit before entry: quarantined) and a 03-29 session is deleted
    # from the source (seen by a full extraction)
    db.execute("update backend_core_parkingsession set exit_time = '2026-03-28 08:00:00', "
               "updated_at = '2026-03-29 20:00:00' where id = 3")
    db.execute("delete from backend_core_payment where session_id = 7")
    db.execute("delete from backend_core_parkingsession where id = 7")
    build(db, date(2026, 3, 29), BERLIN, extract_full_refresh=True)
    incremental = _kpis(db)
    assert _built_days(db) == ["2026-03-28", "2026-03-29"]
    assert {row[0] for row in set(incremental) ^ set(before)} == {date(2026, 3, 28), date(2026, 3, 29)}

    build(db, date(2026, 3, 29), BERLIN, full_refresh=True)
    assert _kpis(db) == incremental


def test_a_backfilled_day_and_a_never_run_day_have_the_rows_of_that_days_run(tmp_path):
    (tmp_path / "daily").mkdir()
    (tmp_path / "later").mkdir()
    daily = _source(tmp_path / "daily" / "source.sqlite3")
    only_later = _source(tmp_path / "later" / "source.sqlite3")

    build(daily, date(2026, 3, 28), BERLIN)
    day_run = [row for row in _kpis(daily) if row[0] == date(2026, 3, 28)]
    assert len(day_run) == 3 and day_run[-1][2] == "All zones"

    # never run: 03-28 computed by the first build, for 03-29
    build(only_later, date(2026, 3, 29), BERLIN)
    assert [row for row in _kpis(only_later) if row[0] == date(2026, 3, 28)] == day_run

    # backfilled: 03-29 first, then 03-28 again; the days after the backfilled D are dropped
    build(daily, date(2026, 3, 29), BERLIN)
    build(daily, date(2026, 3, 28), BERLIN)
    rows = _kpis(daily)
    assert [row for row in rows if row[0] == date(2026, 3, 28)] == day_run
    assert max(row[0] for row in rows) == date(2026, 3, 28)


def test_the_daylight_saving_day_has_92_instants_and_its_hour_two_is_missing(tmp_path):
    db = _source(tmp_path / "source.sqlite3")
    build(db, date(2026, 3, 29), BERLIN)
    con = connect(db)
    try:
        assert con.execute(
            "select zone_id, count(*) from marts.occupancy_timeline group by zone_id order by zone_id"
        ).fetchall() == [(1, 92), (2, 92)]
        # Sunday 02:00 did not happen on 03-29: 3 of the 4 Sundays have that instant
        assert con.execute(
            "select weekday, hour, instants from marts.weekday_hour_occupancy where instants <> 4"
        ).fetchall() == [(7, 2, 3)]
        # 03-28 as of its end: from 13:00 local slot 2 (session 4) and slot 5 (sessions 5 and 6,
        # occupied once) are occupied: the peak is 2, not 3; sessions 3 and 6 were never paid.
        row = con.execute(
            "select total_slots, sessions_started, peak_occupied_slots, strftime(timezone('Europe/Berlin', peak_at), '%H:%M'), "
            "completed_stays, unpaid_sessions, unpaid_amount, revenue from marts.zone_day_kpis "
            "where kpi_date = date '2026-03-28' and zone_id is null"
        ).fetchone()
        assert row[:6] == (5, 4, 2, "13:00", 4, 2) and float(row[6]) == 4.0 and float(row[7]) == 25.0
    finally:
        con.close()
