"""The operational-database generator: schema, realism invariants, determinism, dirty rows, CLI."""

from __future__ import annotations

import hashlib
import itertools
import math
import re
import sqlite3
from collections import defaultdict
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from parking_warehouse.cli import main
from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.generator import UNTRUSTED_KINDS, generate_database
from parking_warehouse.source_schema import SOURCE_TABLES, source_ddl

TZ = "Europe/Berlin"
END = date(2026, 3, 31)  # the window holds the spring-forward Sunday, 29 March 2026
SMALL = {"days": 12, "end_date": END, "zones": 4, "slots_per_zone": 8, "timezone": TZ}
DATETIME = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d{6})?$")
GRACE_SECONDS = 15 * 60
ALL_KINDS = {
    "orphan_slot", "orphan_vehicle", "exit_before_entry", "future_entry", "negative_amount",
    "absurd_amount", "unknown_status", "unknown_payment_method", "completed_without_paid_at",
    "duplicate_transaction_id_blank", "duplicate_transaction_id_exact", "unparseable_datetime",
    "odd_plate", "invalid_utf8", "orphan_session",
}


# -- helpers shared with test_generator_append.py ---------------------------------------------------

def connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    con.text_factory = lambda raw: raw.decode("utf-8", "replace")
    con.row_factory = sqlite3.Row
    return con


def instant(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def rows(con, table: str) -> list[sqlite3.Row]:
    return con.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def dirty_ids(con, table: str) -> set[int]:
    return {r[0] for r in con.execute("SELECT row_id FROM generator_dirty_rows WHERE table_name = ?", (table,))}


def snapshot(path: Path) -> dict[str, dict[int, tuple]]:
    con = connect(path)
    try:
        return {t: {r["id"]: tuple(r) for r in rows(con, t)} for t in SOURCE_TABLES}
    finally:
        con.close()


def fee(entry: str, exit_: str, rate: Decimal) -> Decimal:
    """The documented pricing rule: free up to 15 minutes, else rate x started hours."""
    seconds = (instant(exit_) - instant(entry)).total_seconds()
    if seconds <= GRACE_SECONDS:
        return Decimal(0)
    return rate * math.ceil(seconds / 3600)


def assert_no_overlap(con) -> None:
    """Per slot, each (trusted) session ends before the next one enters; cancelled ones end at updated_at."""
    skip = dirty_ids(con, "backend_core_parkingsession")
    by_slot = defaultdict(list)
    for r in rows(con, "backend_core_parkingsession"):
        if r["id"] in skip:
            continue
        end = r["exit_time"] or (r["updated_at"] if r["status"] == "cancelled" else "9999-12-31 00:00:00")
        by_slot[r["slot_id"]].append((instant(r["entry_time"]), instant(end)))
    for slot, spans in by_slot.items():
        spans.sort()
        for (_, end), (next_entry, _) in itertools.pairwise(spans):
            assert end <= next_entry, f"slot {slot}: a session enters at {next_entry} before {end}"


def assert_fees_follow_rule(con, rate_at=None) -> None:
    rates = {r["id"]: Decimal(str(r["hourly_rate"])) for r in rows(con, "backend_core_parkingzone")}
    zone_of = {r["id"]: r["zone_id"] for r in rows(con, "backend_core_parkingslot")}
    skip = dirty_ids(con, "backend_core_parkingsession")
    checked = 0
    for r in rows(con, "backend_core_parkingsession"):
        if r["id"] in skip or r["status"] != "completed":
            continue
        rate = rate_at(zone_of[r["slot_id"]], r["exit_time"]) if rate_at else rates[zone_of[r["slot_id"]]]
        assert Decimal(str(r["amount"])) == fee(r["entry_time"], r["exit_time"], rate), dict(r)
        checked += 1
    assert checked > 100


def assert_payments_legal(con) -> None:
    skip = dirty_ids(con, "backend_core_payment")
    sessions = {r["id"]: r for r in rows(con, "backend_core_parkingsession")}
    for p in rows(con, "backend_core_payment"):
        if p["id"] in skip:
            continue
        session = sessions[p["session_id"]]
        assert p["status"] in ("pending", "completed", "failed", "refunded")
        assert p["payment_method"] in ("cash", "online")
        assert session["status"] == "completed" and p["created_at"] >= session["exit_time"]
        assert Decimal(str(p["amount"])) == Decimal(str(session["amount"])) > 0
        if p["status"] in ("completed", "refunded"):
            assert p["paid_at"] is not None and p["created_at"] <= p["paid_at"] <= p["updated_at"]
        else:
            assert p["paid_at"] is None
        assert (p["transaction_id"] is not None) == (p["payment_method"] == "online")


def assert_updated_never_before_created(con) -> None:
    for table in SOURCE_TABLES:
        created = "date_joined" if table == "users_customuser" else "created_at"
        bad = con.execute(f"SELECT count(*) FROM {table} WHERE updated_at < {created}").fetchone()[0]
        assert bad == 0, table


# -- fixtures -------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def clean_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "clean.sqlite3"
    generate_database(path, seed=7, **SMALL)
    return path


@pytest.fixture(scope="module")
def dirty_db(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("gen") / "dirty.sqlite3"
    generate_database(path, seed=7, dirty_rate=0.01, **SMALL)
    return path


@pytest.fixture
def con(clean_db):
    connection = connect(clean_db)
    yield connection
    connection.close()


# -- schema and refusal ---------------------------------------------------------------------------

def table_shape(con, table):
    columns = [tuple(c) for c in con.execute(f"PRAGMA table_info({table})")]
    indexes = sorted(
        (i["unique"], tuple(c["name"] for c in con.execute(f"PRAGMA index_info('{i['name']}')")))
        for i in con.execute(f"PRAGMA index_list({table})"))
    return columns, indexes


def test_schema_equals_the_contract_ddl(con):
    contract = sqlite3.connect(":memory:")
    contract.row_factory = sqlite3.Row
    contract.executescript(source_ddl("sqlite"))
    for table in SOURCE_TABLES:
        assert table_shape(con, table) == table_shape(contract, table), table
        ours = con.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        theirs = contract.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()[0]
        assert ours == theirs
    extra = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'")} - set(SOURCE_TABLES)
    assert extra == {"sqlite_sequence", "generator_dirty_rows", "generator_runs"}


def test_refuses_to_overwrite_an_existing_file(clean_db):
    before = clean_db.read_bytes()
    with pytest.raises(ParkingWarehouseError, match="already exists"):
        generate_database(clean_db, days=1, end_date=END)
    assert clean_db.read_bytes() == before


# -- realism invariants ---------------------------------------------------------------------------

def test_never_two_sessions_on_one_slot_at_once(con):
    assert_no_overlap(con)


def test_fees_are_the_zone_rate_per_started_hour_after_a_free_grace_period(con):
    assert_fees_follow_rule(con)
    amounts = {Decimal(str(r[0])) for r in con.execute(
        "SELECT amount FROM backend_core_parkingsession WHERE status = 'completed'")}
    assert Decimal(0) in amounts  # short stays are free
    types = {r[0] for r in con.execute("SELECT DISTINCT typeof(amount) FROM backend_core_parkingsession")}
    assert types == {"integer", "real", "null"}


def test_payment_states_are_legal(con):
    assert_payments_legal(con)
    statuses = dict(con.execute("SELECT status, count(*) FROM backend_core_payment GROUP BY status").fetchall())
    assert set(statuses) == {"pending", "completed", "failed", "refunded"}
    methods = dict(con.execute("SELECT payment_method, count(*) FROM backend_core_payment GROUP BY 1").fetchall())
    assert 0.3 < methods["online"] / (methods["online"] + methods["cash"]) < 0.9
    retried = con.execute(
        "SELECT count(*) FROM backend_core_payment f JOIN backend_core_payment s ON s.session_id = f.session_id "
        "AND s.created_at > f.created_at WHERE f.status = 'failed' AND s.status IN ('completed', 'refunded')"
    ).fetchone()[0]
    assert retried > 0
    once = con.execute("SELECT count(*) FROM (SELECT session_id FROM backend_core_payment WHERE status IN "
                       "('completed', 'refunded') GROUP BY 1 HAVING count(*) > 1)").fetchone()[0]
    assert once == 0


def test_updated_at_is_never_before_created_at(con):
    assert_updated_never_before_created(con)


def test_datetimes_are_utc_text_with_microseconds_only_when_not_zero(con):
    seen_fraction = seen_whole = False
    for table in SOURCE_TABLES:
        for r in rows(con, table):
            for key in r.keys():  # noqa: SIM118 (sqlite3.Row iterates values)
                value = r[key]
                if key.endswith(("_at", "_time", "date_joined", "last_login")) and value is not None:
                    assert DATETIME.match(value) and not value.endswith(".000000"), (table, key, value)
                    seen_fraction |= "." in value
                    seen_whole |= "." not in value
    assert seen_fraction and seen_whole
    run = con.execute("SELECT now_utc FROM generator_runs").fetchone()[0]
    assert run == "2026-03-31 22:00:00"  # 1 April 00:00 in Berlin (CEST)
    newest = max(con.execute(f"SELECT max(updated_at) FROM {t}").fetchone()[0] for t in SOURCE_TABLES)
    assert newest <= run


def test_sessions_still_parked_at_the_end_are_active_and_their_slots_occupied(con):
    active = con.execute("SELECT slot_id, exit_time, amount FROM backend_core_parkingsession "
                         "WHERE status = 'active'").fetchall()
    assert active and all(r["exit_time"] is None and r["amount"] is None for r in active)
    occupied = {r[0] for r in con.execute("SELECT id FROM backend_core_parkingslot WHERE is_occupied = 1")}
    assert occupied == {r["slot_id"] for r in active}
    cancelled = con.execute("SELECT count(*) FROM backend_core_parkingsession WHERE status = 'cancelled' "
                            "AND exit_time IS NULL AND amount IS NULL").fetchone()[0]
    assert cancelled > 0


def local_hour_counts(con, weekend: bool) -> list[int]:
    zone = ZoneInfo(TZ)
    counts = [0] * 24
    for (entry,) in con.execute("SELECT entry_time FROM backend_core_parkingsession"):
        local = instant(entry).astimezone(zone)
        if (local.weekday() >= 5) == weekend:
            counts[local.hour] += 1
    return counts


def test_arrivals_follow_local_weekday_and_weekend_shapes(con):
    weekday, weekend = local_hour_counts(con, False), local_hour_counts(con, True)
    assert max(range(24), key=weekday.__getitem__) in (6, 7, 8, 16, 17)  # commute
    assert sum(weekday[6:9]) > 2 * sum(weekday[0:3])
    assert sum(weekend[10:15]) > 1.5 * sum(weekend[6:9])  # weekends start late
    # Local time, DST included: on 29 March the local hour 2 does not exist, and the day still counts.
    zone = ZoneInfo(TZ)
    spring = [instant(e).astimezone(zone) for (e,) in con.execute(
        "SELECT entry_time FROM backend_core_parkingsession WHERE entry_time BETWEEN '2026-03-28 23:00' "
        "AND '2026-03-29 22:00'")]
    assert spring and {m.date() for m in spring} == {date(2026, 3, 29)}


def test_zones_differ_in_popularity_and_busy_zones_fill_at_peak(con):
    per_zone = dict(con.execute(
        "SELECT sl.zone_id, count(*) FROM backend_core_parkingsession s JOIN backend_core_parkingslot sl "
        "ON sl.id = s.slot_id GROUP BY 1").fetchall())
    assert per_zone[1] > 1.3 * per_zone[4]
    # Tuesday 24 March, 10:00 local: the busiest zone is nearly full.
    t = "2026-03-24 09:00:00"
    busy = con.execute(
        "SELECT count(DISTINCT s.slot_id) FROM backend_core_parkingsession s JOIN backend_core_parkingslot sl "
        "ON sl.id = s.slot_id WHERE sl.zone_id = 1 AND s.status <> 'cancelled' AND s.entry_time <= ? "
        "AND (s.exit_time IS NULL OR s.exit_time > ?)", (t, t)).fetchone()[0]
    assert busy >= 6


def test_users_have_roles_and_vehicles_may_have_no_owner(con):
    roles = dict(con.execute("SELECT role, count(*) FROM users_customuser GROUP BY role").fetchall())
    assert 1 <= roles["admin"] <= roles["staff"] < roles["user"]
    owned, walk_in = con.execute(
        "SELECT sum(owner_id IS NOT NULL), sum(owner_id IS NULL) FROM backend_core_vehicle").fetchone()
    assert owned > 0 and walk_in > 0
    plates = [r[0] for r in con.execute("SELECT vehicle_number FROM backend_core_vehicle")]
    assert all(re.fullmatch(r"[A-Z]{1,3}-[A-Z]{1,2} [1-9]\d{0,3}E?", p) for p in plates)
    orphans = con.execute(
        "SELECT count(*) FROM backend_core_parkingsession s LEFT JOIN backend_core_vehicle v ON v.id = s.vehicle_id "
        "LEFT JOIN backend_core_parkingslot sl ON sl.id = s.slot_id WHERE v.id IS NULL OR sl.id IS NULL"
    ).fetchone()[0]
    assert orphans == 0


# -- determinism ----------------------------------------------------------------------------------

def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_same_seed_gives_identical_bytes_and_another_seed_differs(tmp_path):
    small = {"days": 3, "end_date": END, "zones": 2, "slots_per_zone": 5, "timezone": TZ}
    generate_database(tmp_path / "a.sqlite3", seed=1, **small)
    generate_database(tmp_path / "b.sqlite3", seed=1, **small)
    generate_database(tmp_path / "c.sqlite3", seed=2, **small)
    assert digest(tmp_path / "a.sqlite3") == digest(tmp_path / "b.sqlite3")
    assert snapshot(tmp_path / "a.sqlite3") != snapshot(tmp_path / "c.sqlite3")


# -- dirty rows -----------------------------------------------------------------------------------

def test_clean_data_plants_nothing_and_breaks_no_rule(con):
    assert con.execute("SELECT count(*) FROM generator_dirty_rows").fetchone()[0] == 0
    assert_payments_legal(con)
    assert con.execute("SELECT count(*) FROM backend_core_parkingsession WHERE exit_time < entry_time "
                       "OR status NOT IN ('active', 'completed', 'cancelled') OR amount < 0").fetchone()[0] == 0
    ids = [r[0] for r in con.execute("SELECT transaction_id FROM backend_core_payment WHERE transaction_id IS NOT NULL")]
    assert len({i.strip() for i in ids}) == len(ids)


def flawed(kind: str, table: str, r: sqlite3.Row, con) -> bool:
    """Does row `r` really carry the flaw `kind`?"""
    def exists(t, key):
        return con.execute(f"SELECT 1 FROM {t} WHERE id = ?", (key,)).fetchone() is not None

    if kind == "orphan_slot":
        return not exists("backend_core_parkingslot", r["slot_id"])
    if kind == "orphan_vehicle":
        return not exists("backend_core_vehicle", r["vehicle_id"])
    if kind == "orphan_session":
        return not exists("backend_core_parkingsession", r["session_id"])
    if kind == "exit_before_entry":
        return bool(r["exit_time"]) and DATETIME.match(r["exit_time"]) and r["exit_time"] < r["entry_time"]
    if kind == "future_entry":
        return r["entry_time"] > "2030"
    if kind == "unparseable_datetime":
        return not DATETIME.match(r["exit_time"])
    if kind == "unknown_status":
        known = ("active", "completed", "cancelled") if table.endswith("session") else (
            "pending", "completed", "failed", "refunded")
        return r["status"] not in known
    if kind == "negative_amount":
        return r["amount"] < 0
    if kind == "absurd_amount":
        return r["amount"] >= 10**8
    if kind == "unknown_payment_method":
        return r["payment_method"] not in ("cash", "online")
    if kind == "completed_without_paid_at":
        return r["status"] == "completed" and r["paid_at"] is None
    if kind.startswith("duplicate_transaction_id"):
        first = con.execute("SELECT min(id) FROM backend_core_payment WHERE trim(transaction_id) = ?",
                            (r["transaction_id"].strip(),)).fetchone()[0]
        exact = r["transaction_id"] == r["transaction_id"].strip()
        return first < r["id"] and exact == kind.endswith("exact")
    if kind == "odd_plate":
        return not re.fullmatch(r"[A-Z]{1,3}-[A-Z]{1,2} [1-9]\d{0,3}E?", r["vehicle_number"])
    if kind == "invalid_utf8":
        raw = con.execute("SELECT CAST(vehicle_number AS BLOB) FROM backend_core_vehicle WHERE id = ?",
                          (r["id"],)).fetchone()[0]
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False
    raise AssertionError(kind)


def test_every_dirty_kind_is_planted_when_asked_and_recorded_exactly(dirty_db):
    con = connect(dirty_db)
    recorded = con.execute("SELECT table_name, row_id, kind FROM generator_dirty_rows").fetchall()
    assert {r["kind"] for r in recorded} == ALL_KINDS
    assert len(recorded) == len({(r[0], r[1]) for r in recorded})  # one kind per row
    for table, row_id, kind in recorded:
        r = con.execute(f"SELECT * FROM {table} WHERE id = ?", (row_id,)).fetchone()
        assert r is not None and flawed(kind, table, r, con), (table, row_id, kind)
    # Nothing is flawed beyond what is recorded (sessions: the rule-breaking kinds).
    planted = {(r[0], r[1]) for r in recorded}
    for r in rows(con, "backend_core_parkingsession"):
        broken = [k for k in ("orphan_slot", "orphan_vehicle", "exit_before_entry", "future_entry",
                              "unknown_status") if flawed(k, "backend_core_parkingsession", r, con)]
        assert not broken or ("backend_core_parkingsession", r["id"]) in planted, (dict(r), broken)
    assert set(UNTRUSTED_KINDS) == ALL_KINDS - {"odd_plate", "invalid_utf8"}
    # Exact duplicates need the UNIQUE index gone; the rest of the schema is the contract's.
    sql = con.execute("SELECT sql FROM sqlite_master WHERE name = 'backend_core_payment'").fetchone()[0]
    assert "UNIQUE" not in sql
    con.close()


def test_dirty_rows_leave_the_clean_rows_realistic(dirty_db):
    con = connect(dirty_db)
    assert_no_overlap(con)
    assert_fees_follow_rule(con)
    assert_updated_never_before_created(con)
    con.close()


# -- command line ---------------------------------------------------------------------------------

def test_cli_generates_and_refuses_to_overwrite(tmp_path, capsys):
    db = tmp_path / "cli.sqlite3"
    args = ["generate", "--db", str(db), "--days", "2", "--end-date", "2026-03-08", "--zones", "2",
            "--slots-per-zone", "4", "--seed", "3", "--timezone", TZ]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "backend_core_parkingsession" in out and db.exists()
    assert main(args) == 1
    assert "already exists" in capsys.readouterr().err
    assert main(["generate", "--db", str(tmp_path / "x.sqlite3"), "--days", "2"]) == 1


def assert_no_vehicle_twice(con) -> None:
    spans = defaultdict(list)
    for r in rows(con, "backend_core_parkingsession"):
        end = r["exit_time"] or (r["updated_at"] if r["status"] == "cancelled" else "9999-12-31 00:00:00")
        spans[r["vehicle_id"]].append((r["entry_time"], end))
    for vehicle, visits in spans.items():
        visits.sort()
        assert all(end <= nxt for (_, end), (nxt, _) in itertools.pairwise(visits)), vehicle
    assert max(len(v) for v in spans.values()) >= 5  # regulars come back


def test_no_vehicle_is_parked_in_two_places_at_once(con):
    assert_no_vehicle_twice(con)


def test_local_days_last_23_or_25_hours_on_dst_changes():
    from parking_warehouse.generator.clock import local_day_bounds

    hours = {day: (end - start) / 3600 for day, start, end in local_day_bounds(date(2026, 3, 28), 3, TZ)}
    assert hours == {date(2026, 3, 28): 24, date(2026, 3, 29): 23, date(2026, 3, 30): 24}
    (autumn,) = local_day_bounds(date(2026, 10, 25), 1, TZ)
    assert autumn[2] - autumn[1] == 25 * 3600
