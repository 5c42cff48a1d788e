"""`--append-days`: the database advances the way the live system would, and nothing else changes."""

from __future__ import annotations

import shutil
from datetime import date
from decimal import Decimal
from pathlib import Path

import numpy as np
import pytest
from test_generator import (
    TZ,
    assert_fees_follow_rule,
    assert_no_overlap,
    assert_no_vehicle_twice,
    assert_payments_legal,
    assert_updated_never_before_created,
    connect,
    digest,
    snapshot,
)

from parking_warehouse.cli import main
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.generator import append_days, generate_database
from parking_warehouse.generator.people import plates

OLD_NOW = "2026-03-08 23:00:00"   # 9 March 00:00 in Berlin
IN_FLIGHT_AT = "2026-03-08 22:59:30"  # an attempt created 30 s before the old "now" settles after it
NEW_NOW = "2026-03-10 23:00:00"   # after two appended days
SESSION, PAYMENT = "backend_core_parkingsession", "backend_core_payment"


@pytest.fixture(scope="module")
def appended(tmp_path_factory):
    folder = tmp_path_factory.mktemp("append")
    path = folder / "ops.sqlite3"
    generate_database(path, days=5, end_date=date(2026, 3, 8), zones=3, slots_per_zone=8, seed=5, timezone=TZ)
    put_last_payment_in_flight(path)
    before = snapshot(path)
    shutil.copy(path, folder / "twin.sqlite3")
    summary = append_days(path, days=2, seed=5, timezone=TZ)
    return path, before, snapshot(path), summary, folder


def put_last_payment_in_flight(path: Path) -> None:
    """The newest payment becomes an attempt the gateway has not answered yet at the old "now"
    (a small car park rarely has one in the last minute of the day)."""
    con = connect(path)
    con.execute("UPDATE backend_core_payment SET status = 'pending', paid_at = NULL, created_at = ?, "
                "updated_at = ? WHERE id = (SELECT max(id) FROM backend_core_payment)", (IN_FLIGHT_AT, IN_FLIGHT_AT))
    con.commit()
    con.close()


def columns(path: Path, table: str) -> list[str]:
    con = connect(path)
    names = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
    con.close()
    return names


def changes(path, before, after, table):
    """{id: {column: (old, new)}} for rows present before whose values changed."""
    names = columns(path, table)
    changed = {}
    for key, old in before[table].items():
        new = after[table][key]
        if old != new:
            changed[key] = {n: (o, v) for n, o, v in zip(names, old, new) if o != v}
    return changed


def in_window(text: str) -> bool:
    return OLD_NOW <= text <= NEW_NOW


def test_append_keeps_every_row_and_adds_rows_only_inside_the_window(appended):
    path, before, after, summary, _ = appended
    assert str(summary).startswith("appended") and summary.first_local_date == date(2026, 3, 9)
    for table, old_rows in before.items():
        assert set(old_rows) <= set(after[table]), table
    names = {t: columns(path, t) for t in before}
    for table, created in ((SESSION, "created_at"), (PAYMENT, "created_at"),
                           ("backend_core_vehicle", "created_at"), ("users_customuser", "date_joined")):
        new = [dict(zip(names[table], r)) for k, r in after[table].items() if k not in before[table]]
        assert new, table
        assert all(in_window(r[created]) and in_window(r["updated_at"]) for r in new), table
        assert min(k for k in after[table] if k not in before[table]) > max(before[table])
    assert set(after["backend_core_parkingzone"]) == set(before["backend_core_parkingzone"])
    assert set(after["backend_core_parkingslot"]) == set(before["backend_core_parkingslot"])


def test_append_changes_only_the_kinds_of_rows_the_live_system_changes(appended):
    path, before, after, _, _ = appended
    # Zones: exactly one re-priced, by +0.50, at a fresh moment.
    zones = changes(path, before, after, "backend_core_parkingzone")
    assert len(zones) == 1
    (change,) = zones.values()
    assert set(change) == {"hourly_rate", "updated_at"} and in_window(change["updated_at"][1])
    assert Decimal(str(change["hourly_rate"][1])) - Decimal(str(change["hourly_rate"][0])) == Decimal("0.5")
    # Slots: only the live flag, the service flag and updated_at; one slot retired at most.
    slots = changes(path, before, after, "backend_core_parkingslot")
    assert slots and all(set(c) <= {"is_occupied", "is_active", "updated_at"} for c in slots.values())
    assert all(in_window(c["updated_at"][1]) for c in slots.values())
    assert [c["is_active"] for c in slots.values() if "is_active" in c] == [(1, 0)]
    # Sessions: only those open before; they close with exit, amount, status, updated_at.
    sessions = changes(path, before, after, SESSION)
    assert sessions
    for key, c in sessions.items():
        assert before[SESSION][key][3] == "active"
        assert set(c) == {"exit_time", "amount", "status", "updated_at"} and c["status"][1] == "completed"
        assert in_window(c["exit_time"][1]) and in_window(c["updated_at"][1])
    # Payments: the attempt in flight settles, abandoned checkouts stay pending; at least one
    # completed payment is refunded.
    payments = changes(path, before, after, PAYMENT)
    settled = [c for c in payments.values() if c.get("status", (None,))[0] == "pending"]
    refunds = [c for c in payments.values() if c.get("status") == ("completed", "refunded")]
    assert refunds and len(settled) + len(refunds) == len(payments)
    in_flight = {k for k, row in before[PAYMENT].items() if row[3] == "pending" and row[6] >= IN_FLIGHT_AT}
    abandoned = {k for k, row in before[PAYMENT].items() if row[3] == "pending"} - in_flight
    assert len(in_flight) == 1 and abandoned  # the fixture's generation left some checkouts abandoned
    assert {k for k, c in payments.items() if "status" in c and c["status"][0] == "pending"} == in_flight
    assert all(after[PAYMENT][k][3] == "pending" for k in abandoned)
    (attempt,) = (after[PAYMENT][k] for k in in_flight)  # answered at most 60 s after its creation
    assert OLD_NOW < attempt[7] <= "2026-03-08 23:00:30"
    for c in settled:
        assert c["status"][1] in ("completed", "failed") and in_window(c["updated_at"][1])
        assert ("paid_at" in c) == (c["status"][1] == "completed")
    assert all(set(c) == {"status", "updated_at"} and in_window(c["updated_at"][1]) for c in refunds)
    # Users and vehicles: never touched, only added.
    for table in ("users_customuser", "backend_core_vehicle"):
        assert changes(path, before, after, table) == {}


def test_appended_database_keeps_the_invariants(appended):
    path, before, _after, _, _ = appended
    con = connect(path)
    assert_no_overlap(con)
    assert_no_vehicle_twice(con)
    assert_payments_legal(con)
    assert_updated_never_before_created(con)
    zone = {r[0]: (Decimal(str(r[1])), r[2], r[3]) for r in con.execute(
        "SELECT id, hourly_rate, updated_at, created_at FROM backend_core_parkingzone")}
    old_rate = {k: Decimal(str(v[3])) for k, v in before["backend_core_parkingzone"].items()}

    def rate_at(zone_id, exit_time):  # a re-priced zone charges the new rate from its updated_at on
        rate, updated, created = zone[zone_id]
        return rate if updated == created or exit_time >= updated else old_rate[zone_id]

    assert_fees_follow_rule(con, rate_at)
    assert con.execute("SELECT count(*) FROM generator_runs").fetchone()[0] == 2
    assert con.execute("SELECT max(updated_at) FROM backend_core_parkingsession").fetchone()[0] <= NEW_NOW
    con.close()


def test_append_is_deterministic_for_a_seed_and_the_state(appended):
    path, _, _, _, folder = appended
    append_days(folder / "twin.sqlite3", days=2, seed=5, timezone=TZ)
    assert digest(folder / "twin.sqlite3") == digest(path)


def test_append_refuses_another_time_zone_and_foreign_files(tmp_path, appended):
    path = appended[0]
    with pytest.raises(ParkingWarehouseError, match="Europe/Berlin"):
        append_days(path, days=1, timezone="UTC")
    with pytest.raises(ParkingWarehouseError, match="does not exist"):
        append_days(tmp_path / "missing.sqlite3", days=1)
    foreign = tmp_path / "foreign.sqlite3"
    import sqlite3

    sqlite3.connect(foreign).execute("CREATE TABLE t (x)").connection.close()
    with pytest.raises(ParkingWarehouseError, match="not written by"):
        append_days(foreign, days=1)


def test_append_with_dirty_rate_plants_new_flaws_and_drops_the_unique_index(tmp_path):
    path = tmp_path / "ops.sqlite3"
    generate_database(path, days=3, end_date=date(2026, 3, 8), zones=2, slots_per_zone=6, seed=9, timezone=TZ)
    append_days(path, days=2, seed=9, dirty_rate=0.02, timezone=TZ)
    con = connect(path)
    kinds = {r[0] for r in con.execute("SELECT DISTINCT kind FROM generator_dirty_rows")}
    assert {"duplicate_transaction_id_exact", "orphan_slot", "odd_plate"} <= kinds
    sql = con.execute("SELECT sql FROM sqlite_master WHERE name = 'backend_core_payment'").fetchone()[0]
    assert "UNIQUE" not in sql
    ids = {r[0] for r in con.execute("SELECT row_id FROM generator_dirty_rows WHERE table_name = ?", (SESSION,))}
    assert min(ids) > con.execute("SELECT max(id) FROM backend_core_parkingsession WHERE entry_time < ?",
                                  (OLD_NOW,)).fetchone()[0] - 1
    con.close()


def test_cli_append_days(tmp_path, capsys):
    db = tmp_path / "cli.sqlite3"
    assert main(["generate", "--db", str(db), "--days", "2", "--end-date", "2026-03-08", "--zones", "2",
                 "--slots-per-zone", "4", "--timezone", TZ]) == 0
    assert main(["generate", "--db", str(db), "--append-days", "1", "--timezone", TZ]) == 0
    assert "appended" in capsys.readouterr().out
    assert main(["generate", "--db", str(db), "--append-days", "1"]) == 0  # the DB's own zone
    assert "(Europe/Berlin)" in capsys.readouterr().out
    assert main(["generate", "--db", str(db), "--append-days", "1", "--timezone", "UTC"]) == 1
    assert "--timezone Europe/Berlin" in capsys.readouterr().err


# -- appends with other seeds: UNIQUE plates, usernames and transaction ids -----------------------

def assert_unique_keys(path: Path) -> None:
    """Plates and usernames unique; transaction ids too, apart from the planted duplicate copies."""
    con = connect(path)
    for table, column in (("backend_core_vehicle", "vehicle_number"), ("users_customuser", "username")):
        assert con.execute(f"SELECT count(*) - count(DISTINCT {column}) FROM {table}").fetchone()[0] == 0, table
    copies = ("duplicate_transaction_id_blank", "duplicate_transaction_id_exact")
    assert con.execute(
        "SELECT count(*) - count(DISTINCT transaction_id) FROM backend_core_payment WHERE transaction_id IS NOT NULL "
        "AND id NOT IN (SELECT row_id FROM generator_dirty_rows WHERE table_name = ? AND kind IN (?, ?))",
        (PAYMENT, *copies)).fetchone()[0] == 0
    con.close()


@pytest.mark.parametrize("dirty_rate", [0.0, 0.02])
def test_appends_with_other_seeds_never_reuse_a_plate(tmp_path, dirty_rate):
    # Plates were keyed by each run's seed, so an append's plates could repeat an earlier run's:
    # with these seeds the fourth append failed with "UNIQUE constraint failed:
    # backend_core_vehicle.vehicle_number" (as 1, 2 did on a 1M-session database).
    path = tmp_path / "ops.sqlite3"
    generate_database(path, days=4, end_date=date(2026, 3, 8), zones=3, slots_per_zone=6, seed=42,
                      dirty_rate=dirty_rate, timezone=TZ)
    for seed in (1, 2, 3, 477838):
        append_days(path, days=1, seed=seed, dirty_rate=dirty_rate)
    assert_unique_keys(path)
    con = connect(path)
    assert con.execute("SELECT count(*) FROM generator_runs").fetchone()[0] == 5
    con.close()


def test_a_plate_and_a_transaction_id_depend_on_the_row_id_not_on_the_append_seed(tmp_path):
    one, two = tmp_path / "one.sqlite3", tmp_path / "two.sqlite3"
    generate_database(one, days=2, end_date=date(2026, 3, 8), zones=2, slots_per_zone=6, seed=42, timezone=TZ)
    generated = snapshot(one)
    shutil.copy(one, two)
    append_days(one, days=1, seed=1)
    append_days(two, days=1, seed=2)
    a, b = snapshot(one), snapshot(two)

    def new_in_both(table):
        return sorted((set(a[table]) & set(b[table])) - set(generated[table]))

    vehicles = new_in_both("backend_core_vehicle")
    assert vehicles  # the same plate for the same id (an EV's with an E appended)
    assert all(a["backend_core_vehicle"][k][1].rstrip("E") == b["backend_core_vehicle"][k][1].rstrip("E")
               for k in vehicles)
    online = [(a[PAYMENT][k][4], b[PAYMENT][k][4]) for k in new_in_both(PAYMENT)]
    online = [(x, y) for x, y in online if x and y]  # the same number after the date
    assert online and all(x[-10:] == y[-10:] for x, y in online)


def test_append_draws_again_a_plate_the_table_already_holds(tmp_path):
    # A database whose plates came from elsewhere (an older generator keyed by another seed, or
    # typed in): the next append's natural plates are already taken, and must be drawn again.
    path = tmp_path / "ops.sqlite3"
    generate_database(path, days=2, end_date=date(2026, 3, 8), zones=2, slots_per_zone=8, seed=7, timezone=TZ)
    con = connect(path)
    next_id = con.execute("SELECT max(id) + 1 FROM backend_core_vehicle").fetchone()[0]
    upcoming = np.arange(next_id, next_id + 60)
    taken = plates(upcoming, 7, np.zeros(60, dtype=bool)) + plates(upcoming, 7, np.ones(60, dtype=bool))
    con.executemany("UPDATE backend_core_vehicle SET vehicle_number = ? WHERE id = ?",
                    [(plate, index + 1) for index, plate in enumerate(taken)])
    con.commit()
    con.close()
    append_days(path, days=1, seed=7, timezone=TZ)
    assert_unique_keys(path)
    con = connect(path)
    new = con.execute("SELECT count(*) FROM backend_core_vehicle WHERE id >= ?", (next_id,)).fetchone()[0]
    assert 0 < new <= 60
    con.close()


def test_an_ordinary_day_can_leave_every_slot_in_service(tmp_path):
    path = tmp_path / "ops.sqlite3"
    generate_database(path, days=5, end_date=date(2026, 3, 8), zones=3, slots_per_zone=8, seed=5, timezone=TZ)
    before = snapshot(path)
    append_days(path, days=1, seed=5, retire_slot=False)
    slots = changes(path, before, snapshot(path), "backend_core_parkingslot")
    assert slots and all(set(c) <= {"is_occupied", "updated_at"} for c in slots.values())


# -- the appended day looks like the days before it ------------------------------------------------

def payments_per_day(path: Path) -> dict[str, tuple[int, float]]:
    """Per UTC day: payments created, and completed revenue by paid_at (the spec's revenue)."""
    con = connect(path)
    created = dict(con.execute(
        "SELECT date(created_at), count(*) FROM backend_core_payment GROUP BY 1").fetchall())
    revenue = dict(con.execute(
        "SELECT date(paid_at), sum(amount) FROM backend_core_payment WHERE status = 'completed' "
        "GROUP BY 1").fetchall())
    con.close()
    return {day: (count, revenue.get(day, 0.0)) for day, count in created.items()}


def test_an_appended_day_has_the_payments_and_revenue_of_an_ordinary_day(tmp_path):
    # A year of history: every abandoned checkout (0.6 % of online payments) used to complete on
    # the appended day, which then had about 2.5 times an ordinary day's payments and revenue
    # here (5 times on three years of history).
    path = tmp_path / "year.sqlite3"
    generate_database(path, days=365, end_date=date(2026, 3, 8), zones=2, slots_per_zone=10, seed=42)
    pending_before = connect(path).execute(
        "SELECT count(*) FROM backend_core_payment WHERE status = 'pending'").fetchone()[0]
    append_days(path, days=1, seed=42)
    per_day = payments_per_day(path)
    appended = per_day["2026-03-09"]  # a Monday: compared with the 7 weekdays before it
    previous = [per_day[d] for d in ("2026-02-27", "2026-03-02", "2026-03-03", "2026-03-04",
                                     "2026-03-05", "2026-03-06", "2026-02-26")]
    for index, what in enumerate(("payments", "completed revenue")):
        mean = sum(day[index] for day in previous) / len(previous)
        assert 0.5 * mean <= appended[index] <= 2 * mean, (what, appended[index], mean)
    con = connect(path)
    settled_by_append = con.execute(
        "SELECT count(*) FROM backend_core_payment WHERE created_at < ? AND updated_at >= ? "
        "AND status IN ('completed', 'failed')", ("2026-03-08 23:59:00", "2026-03-09 00:00:00")).fetchone()[0]
    pending_after = con.execute(
        "SELECT count(*) FROM backend_core_payment WHERE status = 'pending' AND created_at < ?",
        ("2026-03-09 00:00:00",)).fetchone()[0]
    con.close()
    assert pending_before > 30 and settled_by_append == 0  # the abandoned checkouts stay pending
    assert pending_after >= pending_before - 2  # at most the attempts of the last minute settled
