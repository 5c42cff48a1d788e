"""`generate_database` (a new operational SQLite database) and `append_days` (advance one)."""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.generator import payments as pay
from parking_warehouse.generator.catalog import (
    SLOT_TYPE_SHARE,
    SLOT_TYPES,
    zone_letter,
    zone_profiles,
)
from parking_warehouse.generator.clock import (
    US,
    IntensityClock,
    format_datetimes,
    local_day_bounds,
    parse_datetimes,
    to_microseconds,
)
from parking_warehouse.generator.dirty import DIRTY_TABLE_DDL, PAYMENT, SESSION, Planter
from parking_warehouse.generator.operation import (
    NEVER,
    Operation,
    Slots,
    Zones,
    sample_dwell_hours,
)
from parking_warehouse.generator.people import user_rows
from parking_warehouse.source_schema import SOURCE_TABLES, source_ddl

DAY = 86400
REGULARS_PER_SLOT = 10
ADDED_SLOT_SHARE = 0.03        # slots built during the period (created_at inside it)
DEACTIVATED_SLOT_SHARE = 0.02  # slots taken out of service during the period
RUNS_TABLE_DDL = """CREATE TABLE generator_runs (
    run INTEGER PRIMARY KEY, kind TEXT NOT NULL, seed INTEGER NOT NULL, dirty_rate REAL NOT NULL,
    timezone TEXT NOT NULL, first_local_date TEXT NOT NULL, last_local_date TEXT NOT NULL,
    now_utc TEXT NOT NULL, zones INTEGER NOT NULL, slots_per_zone INTEGER NOT NULL,
    regular_vehicles INTEGER NOT NULL, first_customer_id INTEGER NOT NULL)"""
UNIQUE_TRANSACTION = "transaction_id varchar(100) NULL UNIQUE,"
PLAIN_TRANSACTION = "transaction_id varchar(100) NULL,"


@dataclass
class GenerationSummary:
    path: Path
    kind: str                     # 'generate' or 'append'
    first_local_date: date
    last_local_date: date
    timezone: str
    row_counts: dict[str, int]
    dirty_counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def sessions(self) -> int:
        return self.row_counts["backend_core_parkingsession"]

    def __str__(self) -> str:
        verb = "generated" if self.kind == "generate" else "appended"
        lines = [(f"{verb} {self.path}: local days {self.first_local_date}..{self.last_local_date} "
                 f"({self.timezone}) in {self.seconds:.1f} s")]
        width = max(len(t) for t in self.row_counts)
        lines += [f"  {table:<{width}}  {count:>10,}" for table, count in self.row_counts.items()]
        if self.dirty_counts:
            lines.append("  planted dirty rows (generator_dirty_rows): " + ", ".join(
                f"{kind} {count}" for kind, count in sorted(self.dirty_counts.items())))
        return "\n".join(lines)


def _check_timezone(timezone: str) -> None:
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ParkingWarehouseError(f"time zone {timezone!r} is not an IANA name such as 'Europe/Berlin'") from None


def _check_dirty_rate(dirty_rate: float) -> None:
    if not 0 <= dirty_rate <= 0.1:
        raise ParkingWarehouseError(f"--dirty-rate {dirty_rate} must be between 0 and 0.1 (a share per kind)")


def _connect(path: Path) -> sqlite3.Connection:
    con = sqlite3.connect(path)
    for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -65536",
                   "temp_store = MEMORY", "locking_mode = EXCLUSIVE"):
        con.execute(f"PRAGMA {pragma}")
    return con


def _text(us: int) -> str:
    return format_datetimes(np.array([us], dtype=np.int64))[0]


def _row_counts(con: sqlite3.Connection) -> dict[str, int]:
    return {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in SOURCE_TABLES}


def _dirty_counts(con: sqlite3.Connection) -> dict[str, int]:
    return dict(con.execute("SELECT kind, count(*) FROM generator_dirty_rows GROUP BY kind").fetchall())


def _zones_from_profiles(profiles, rates_cents=None) -> Zones:
    n = len(profiles)
    rates = np.array([p.rate_cents for p in profiles] if rates_cents is None else rates_cents, dtype=np.int64)
    return Zones(
        ids=np.arange(1, n + 1),
        popularity=np.array([p.popularity for p in profiles]),
        dwell_scale=np.array([p.dwell_scale for p in profiles]),
        online_share=np.array([p.online_share for p in profiles]),
        rate_cents=rates, old_rate_cents=rates.copy(), reprice_at=np.full(n, NEVER, dtype=np.int64),
    )


def generate_database(path: Path, *, days: int, end_date: date, zones: int = 6, slots_per_zone: int = 40,
                      seed: int = 42, dirty_rate: float = 0.0, timezone: str = "UTC") -> GenerationSummary:
    """Write a new operational SQLite database: `days` local days of operation ending `end_date`.

    "Now" for the database is `end_date + 1` 00:00 local: sessions still parked then are active,
    payments not yet settled are pending. Deterministic for a seed.
    """
    path = Path(path)
    if path.exists():
        raise ParkingWarehouseError(f"{path} already exists: generate writes a new database "
                                    "(use --append-days N to extend it, or remove it first)")
    if days < 1 or zones < 1 or slots_per_zone < 1:
        raise ParkingWarehouseError("--days, --zones and --slots-per-zone must be at least 1")
    _check_timezone(timezone)
    _check_dirty_rate(dirty_rate)
    started = datetime.now()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    con = _connect(partial)
    try:
        _generate_into(con, days=days, end_date=end_date, zones=zones, slots_per_zone=slots_per_zone,
                       seed=seed, dirty_rate=dirty_rate, timezone=timezone)
        con.commit()
        counts, dirty = _row_counts(con), _dirty_counts(con)
    finally:
        con.close()
    os.replace(partial, path)
    first = end_date - timedelta(days=days - 1)
    return GenerationSummary(path, "generate", first, end_date, timezone, counts, dirty,
                             (datetime.now() - started).total_seconds())


def _generate_into(con, *, days, end_date, zones, slots_per_zone, seed, dirty_rate, timezone) -> None:
    ddl = source_ddl("sqlite")
    exact_duplicates = dirty_rate > 0
    if exact_duplicates:  # the operator dropped the UNIQUE index (contract: exact duplicate ids)
        ddl = ddl.replace(UNIQUE_TRANSACTION, PLAIN_TRANSACTION)
    con.executescript(ddl + ";\n" + DIRTY_TABLE_DDL + ";\n" + RUNS_TABLE_DDL + ";")
    con.execute("BEGIN")
    rng = np.random.default_rng([seed, 1])
    planter = Planter(dirty_rate, np.random.default_rng([seed, 2]))
    first_day = end_date - timedelta(days=days - 1)
    bounds = local_day_bounds(first_day, days, timezone)
    start, now = bounds[0][1], bounds[-1][2]
    now_us, start_us = now * US, start * US
    clock = IntensityClock(start, now, timezone)

    # Zones: opened before the period, a week apart.
    profiles = zone_profiles(zones, seed)
    zone_state = _zones_from_profiles(profiles)
    zone_created = start_us - 400 * DAY * US + np.arange(zones) * 7 * DAY * US + rng.integers(0, US, zones)

    # Slots: most exist from the start; a few are built, a few retired, during the period.
    total = zones * slots_per_zone
    slot_zone = np.repeat(np.arange(zones), slots_per_zone)
    period = float(now - start)
    long_enough = days >= 7
    added = long_enough & (rng.random(total) < ADDED_SLOT_SHARE)
    retiring = long_enough & ~added & (rng.random(total) < DEACTIVATED_SLOT_SHARE)
    opens_at = np.where(added, start + rng.uniform(0.1, 0.8, total) * period, float(start))
    closes_at = np.where(retiring, start + rng.uniform(0.3, 0.9, total) * period, np.inf)
    created = np.where(added, to_microseconds(opens_at) - rng.integers(3600 * US, 2 * DAY * US, total),
                       zone_created[slot_zone] + rng.integers(60 * US, DAY * US, total))
    slot_type = SLOT_TYPES[rng.choice(len(SLOT_TYPES), total, p=SLOT_TYPE_SHARE)]
    order = np.lexsort((np.arange(total), slot_zone, np.where(added, opens_at, 0.0), added))
    slot_zone, added, opens_at, closes_at, created, slot_type = (
        a[order] for a in (slot_zone, added, opens_at, closes_at, created, slot_type))
    slot_number = np.empty(total, dtype=np.int64)
    for z in range(zones):
        members = np.flatnonzero(slot_zone == z)
        slot_number[members] = np.arange(1, len(members) + 1)
    slots = Slots(
        ids=np.arange(1, total + 1), zone=slot_zone, next_arrival=np.full(total, np.inf),
        closes_at=closes_at, busy_until=np.full(total, float(start)),
        last_event=np.full(total, -1, dtype=np.int64), occupied=np.zeros(total, dtype=bool))

    # Users: admins and staff long before the period; customers sign up with their vehicles.
    admins, staff = 2, max(2, zones)
    roles = ["admin"] * admins + ["staff"] * staff
    joined = start_us - (900 - 30 * np.arange(len(roles))) * DAY * US + rng.integers(0, US, len(roles))
    last_login = now_us - rng.integers(3600 * US, 3 * DAY * US, len(roles))
    con.executemany(
        "INSERT INTO users_customuser VALUES (" + ", ".join("?" * 14) + ")",
        user_rows(rng, 1, joined, roles, last_login_us=last_login))
    first_customer_id = len(roles) + 1
    next_ids = {"session": 1, "payment": 1, "vehicle": 1, "user": first_customer_id}

    operation = Operation(
        con, id_key=seed, rng=rng, planter=planter, clock=clock, now_us=now_us, zones=zone_state, slots=slots,
        next_ids=next_ids, regular_vehicles=0, first_customer_id=first_customer_id,
        exact_duplicates=exact_duplicates)
    # Regulars: registered over the two years before the period, most with an account.
    regulars = max(10, REGULARS_PER_SLOT * total)
    regular_created = np.sort(start_us - rng.integers(3600 * US, 730 * DAY * US, regulars))
    operation.write_vehicles(np.arange(1, regulars + 1), regular_created, 0.8, force=False)
    operation.regular_vehicles = regulars

    operation.schedule_from(np.arange(total), opens_at)
    for index, (_, _, day_end) in enumerate(bounds):
        operation.run_day(day_end, final=index == len(bounds) - 1)
    operation.flush_payments(None, final=True)

    # Retire the planned slots once their last car has left (if that happened before now).
    retire_at = np.maximum(to_microseconds(np.minimum(closes_at, 1e12)), slots.last_event) \
        + rng.integers(60 * US, 1800 * US, total)
    retired = np.isfinite(closes_at) & ~slots.occupied & (retire_at <= now_us)
    updated = np.maximum(created, slots.last_event)
    updated = np.where(retired, retire_at, updated)
    letters = [zone_letter(z) for z in range(zones)]
    con.executemany(
        "INSERT INTO backend_core_parkingslot (id, slot_number, slot_type, is_occupied, is_active, created_at, "
        "updated_at, zone_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        zip(slots.ids.tolist(), [f"{letters[z]}{k:03d}" for z, k in zip(slot_zone.tolist(), slot_number.tolist())],
            slot_type.tolist(), slots.occupied.astype(int).tolist(), (~retired).astype(int).tolist(),
            format_datetimes(created), format_datetimes(updated), (slot_zone + 1).tolist()))
    zone_created_text = format_datetimes(zone_created)
    con.executemany(
        "INSERT INTO backend_core_parkingzone (id, name, description, hourly_rate, is_active, created_at, "
        "updated_at) VALUES (?, ?, ?, ?, 1, ?, ?)",
        [(z + 1, p.name, p.description, p.rate_cents / 100, zone_created_text[z], zone_created_text[z])
         for z, p in enumerate(profiles)])
    planter.flush(con)
    con.execute(
        "INSERT INTO generator_runs VALUES (1, 'generate', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (seed, dirty_rate, timezone, first_day.isoformat(), end_date.isoformat(), _text(now_us), zones,
         slots_per_zone, regulars, first_customer_id))


# -- append --------------------------------------------------------------------------------------

def append_days(path: Path, *, days: int, seed: int = 42, dirty_rate: float = 0.0,
                timezone: str | None = None, retire_slot: bool = True) -> GenerationSummary:
    """Advance a generated database by `days` local days, as the live system would.

    New sessions (and their new vehicles and customers), open sessions closing, pending payments
    completing (or failing), at least one refund, one zone re-priced and one slot retired (unless
    `retire_slot` is false: an ordinary day, on which no slot leaves service), slots' live flags
    following their sessions: every changed row gets a fresh `updated_at`. The random
    stream is derived from `seed` and the database's current state, so it is deterministic.
    Plates and transaction ids stay keyed by the generation seed, so no seed repeats earlier ones.
    `timezone` defaults to the one the database was generated in; another one is refused.
    """
    path = Path(path)
    if not path.exists():
        raise ParkingWarehouseError(f"{path} does not exist: create it with generate --days N --end-date D")
    if days < 1:
        raise ParkingWarehouseError("--append-days must be at least 1")
    if timezone is not None:
        _check_timezone(timezone)
    _check_dirty_rate(dirty_rate)
    started = datetime.now()
    con = _connect(path)
    try:
        try:
            run = con.execute(
                "SELECT run, timezone, last_local_date, now_utc, zones, slots_per_zone, regular_vehicles, "
                "first_customer_id FROM generator_runs ORDER BY run DESC LIMIT 1").fetchone()
        except sqlite3.DatabaseError:
            run = None
        if run is None:
            raise ParkingWarehouseError(f"{path} was not written by `parking-warehouse generate` "
                                        "(no generator_runs table): cannot append to it")
        if timezone is not None and run[1] != timezone:
            raise ParkingWarehouseError(
                f"{path} was generated in time zone {run[1]!r}, not {timezone!r}: pass --timezone {run[1]}")
        timezone = run[1]
        first_day = date.fromisoformat(run[2]) + timedelta(days=1)
        _append_into(con, run=run, days=days, seed=seed, dirty_rate=dirty_rate, timezone=timezone,
                     first_day=first_day, retire_slot=retire_slot)
        con.commit()
        counts, dirty = _row_counts(con), _dirty_counts(con)
    finally:
        con.close()
    return GenerationSummary(path, "append", first_day, first_day + timedelta(days=days - 1), timezone,
                             counts, dirty, (datetime.now() - started).total_seconds())


def _local_hours(us: np.ndarray, timezone: str) -> tuple[np.ndarray, np.ndarray]:
    zone = ZoneInfo(timezone)
    moments = [datetime.fromtimestamp(u / US, UTC).astimezone(zone) for u in us.tolist()]
    return (np.array([m.hour for m in moments], dtype=np.int64),
            np.array([m.weekday() >= 5 for m in moments], dtype=bool))


def _append_into(con, *, run, days, seed, dirty_rate, timezone, first_day, retire_slot) -> None:
    run_no, _, _, now_text, _zone_count, _slots_per_zone, regulars, first_customer_id = run
    old_now_us = int(parse_datetimes([now_text])[0])
    bounds = local_day_bounds(first_day, days, timezone)
    old_now, now = bounds[0][1], bounds[-1][2]
    assert old_now * US == old_now_us, "generator_runs.now_utc is not the local midnight it should be"
    now_us = now * US
    next_ids = {
        "session": con.execute("SELECT coalesce(max(id), 0) + 1 FROM backend_core_parkingsession").fetchone()[0],
        "payment": con.execute("SELECT coalesce(max(id), 0) + 1 FROM backend_core_payment").fetchone()[0],
        "vehicle": con.execute("SELECT coalesce(max(id), 0) + 1 FROM backend_core_vehicle").fetchone()[0],
        "user": con.execute("SELECT coalesce(max(id), 0) + 1 FROM users_customuser").fetchone()[0],
    }
    # Plates and transaction ids stay keyed by the generation seed whatever this append's seed is.
    generation_seed = con.execute("SELECT seed FROM generator_runs ORDER BY run LIMIT 1").fetchone()[0]
    state = [seed, 3, old_now, days, next_ids["session"], next_ids["payment"], next_ids["vehicle"]]
    rng = np.random.default_rng(state)
    planter = Planter(dirty_rate, np.random.default_rng(state + [1]))
    con.execute("BEGIN")
    exact_duplicates = dirty_rate > 0
    if exact_duplicates:
        _drop_transaction_unique(con)
    else:
        exact_duplicates = UNIQUE_TRANSACTION not in con.execute(
            "SELECT sql FROM sqlite_master WHERE name = 'backend_core_payment'").fetchone()[0]

    zone_rows = con.execute("SELECT id, hourly_rate, is_active FROM backend_core_parkingzone ORDER BY id").fetchall()
    profiles = zone_profiles(len(zone_rows), seed)
    zones = _zones_from_profiles(profiles, [round(float(r[1]) * 100) for r in zone_rows])
    zones.ids = np.array([r[0] for r in zone_rows])
    zone_index = {int(z): i for i, z in enumerate(zones.ids.tolist())}
    active_zones = np.flatnonzero(np.array([bool(r[2]) for r in zone_rows]))

    slot_rows = con.execute(
        "SELECT id, zone_id, is_active FROM backend_core_parkingslot ORDER BY id").fetchall()
    in_service = np.array([bool(r[2]) and r[1] in zone_index and zone_index[r[1]] in set(active_zones.tolist())
                           for r in slot_rows], dtype=bool)
    n = len(slot_rows)
    slots = Slots(
        ids=np.array([r[0] for r in slot_rows], dtype=np.int64),
        zone=np.array([zone_index.get(r[1], 0) for r in slot_rows], dtype=np.int64),
        next_arrival=np.full(n, np.inf), closes_at=np.where(in_service, np.inf, -np.inf),
        busy_until=np.full(n, float(old_now)), last_event=np.full(n, -1, dtype=np.int64),
        occupied=np.zeros(n, dtype=bool))
    window = float(now - old_now)

    # One zone re-priced (+0.50 per hour) at a moment inside the window.
    repriced = int(rng.choice(active_zones)) if len(active_zones) else None
    if repriced is not None:
        zones.reprice_at[repriced] = to_microseconds(np.array([old_now + rng.uniform(0.2, 0.8) * window]))[0]
        zones.rate_cents[repriced] += 50
    # One slot planned to be retired: no arrivals from closes_at on.
    candidates = np.flatnonzero(in_service)
    retiring = int(rng.choice(candidates)) if len(candidates) and retire_slot else None
    if retiring is not None:
        slots.closes_at[retiring] = old_now + rng.uniform(0.1, 0.5) * window

    clock = IntensityClock(old_now, now, timezone)
    operation = Operation(
        con, id_key=generation_seed, rng=rng, planter=planter, clock=clock, now_us=now_us, zones=zones,
        slots=slots, next_ids=next_ids, regular_vehicles=regulars, first_customer_id=first_customer_id,
        exact_duplicates=exact_duplicates, check_plates=True)
    operation.earliest_us = old_now_us

    # Sessions open at the old "now": they leave (or stay on beyond the new one).
    slot_index = {int(s): i for i, s in enumerate(slots.ids.tolist())}
    open_rows = con.execute(
        "SELECT id, entry_time, slot_id, vehicle_id FROM backend_core_parkingsession WHERE status = 'active' "
        "ORDER BY id"
    ).fetchall()
    open_rows = [r for r in open_rows if r[2] in slot_index]
    if open_rows:
        ids = np.array([r[0] for r in open_rows], dtype=np.int64)
        entry = parse_datetimes([r[1] for r in open_rows])
        where = np.array([slot_index[r[2]] for r in open_rows], dtype=np.int64)
        hour, weekend = _local_hours(entry, timezone)
        dwell = sample_dwell_hours(rng, hour, weekend, zones.dwell_scale[slots.zone[where]])
        end = np.maximum(entry + (dwell * 3600 * US).astype(np.int64),
                         old_now_us + rng.integers(60 * US, 3600 * US, len(ids)))
        leaving = end <= now_us
        vehicles = np.array([r[3] for r in open_rows], dtype=np.int64)
        np.maximum.at(operation.vehicle_busy_until, vehicles, end)
        operation.close_sessions(ids[leaving], entry[leaving], end[leaving], where[leaving])
        slots.busy_until[where] = end / US
        slots.occupied[where[~leaving]] = True
        busy = np.zeros(n, dtype=bool)
        busy[where] = True
        operation.schedule_from(where[leaving], end[leaving] / US)
        free = np.flatnonzero(in_service & ~busy)
    else:
        free = np.flatnonzero(in_service)
    operation.schedule_from(free, np.full(len(free), float(old_now)))
    _settle_pending(con, rng, old_now_us)
    _refund_one(con, rng, old_now_us, now_us)

    for index, (_, _, day_end) in enumerate(bounds):
        operation.run_day(day_end, final=index == len(bounds) - 1)
    operation.flush_payments(None, final=True)

    if repriced is not None:
        at = int(zones.reprice_at[repriced])
        con.execute("UPDATE backend_core_parkingzone SET hourly_rate = ?, updated_at = ? WHERE id = ?",
                    (int(zones.rate_cents[repriced]) / 100, _text(at), int(zones.ids[repriced])))
    retired_at = {}
    if retiring is not None:
        at = max(int(slots.closes_at[retiring] * US), int(slots.busy_until[retiring] * US),
                 int(slots.last_event[retiring])) + int(rng.integers(60 * US, 1800 * US))
        if at <= now_us and not slots.occupied[retiring]:
            retired_at[retiring] = at
    # Slots follow their sessions: is_occupied and updated_at change with every entry and exit.
    changed = np.flatnonzero((slots.last_event >= 0) | np.isin(np.arange(n), list(retired_at)))
    updates = []
    for i in changed.tolist():
        at = max(int(slots.last_event[i]), retired_at.get(i, -1))
        updates.append((int(slots.occupied[i]), 0 if i in retired_at else 1, _text(at), int(slots.ids[i])))
    con.executemany("UPDATE backend_core_parkingslot SET is_occupied = ?, is_active = ?, updated_at = ? "
                    "WHERE id = ?", updates)
    planter.flush(con)
    con.execute(
        "INSERT INTO generator_runs SELECT ?, 'append', ?, ?, timezone, ?, ?, ?, zones, slots_per_zone, "
        "regular_vehicles, first_customer_id FROM generator_runs WHERE run = ?",
        (run_no + 1, seed, dirty_rate, first_day.isoformat(), bounds[-1][0].isoformat(), _text(now_us), run_no))


def _settle_pending(con, rng, old_now_us: int) -> None:
    """The attempts in flight at the old "now" complete (92 %) or fail, as the gateway answers them.

    An attempt settles at most SETTLE_MAX_SECONDS after its creation, so only the pending payments
    created that long before the old "now" are in flight; older pending ones are abandoned
    checkouts (STUCK_PENDING) and stay pending, as `generate` leaves them. Each in-flight attempt
    settles at a moment between the old "now" and its latest settling time.
    """
    since = _text(old_now_us - pay.SETTLE_MAX_SECONDS * US)
    rows = con.execute("SELECT id, created_at FROM backend_core_payment WHERE status = 'pending' "
                       "AND created_at >= ? ORDER BY id", (since,)).fetchall()
    if not rows:
        return
    ids = np.array([r[0] for r in rows], dtype=np.int64)
    latest = parse_datetimes([r[1] for r in rows]) + pay.SETTLE_MAX_SECONDS * US
    at = old_now_us + 1 + (rng.random(len(ids)) * np.maximum(latest - old_now_us, 1)).astype(np.int64)
    completes = (rng.random(len(ids)) < pay.SETTLE_COMPLETES).tolist()
    text = format_datetimes(at)
    con.executemany(
        "UPDATE backend_core_payment SET status = ?, paid_at = ?, updated_at = ? WHERE id = ?",
        [("completed" if c else "failed", t if c else None, t, i)
         for i, t, c in zip(ids.tolist(), text, completes)])


def _refund_one(con, rng, old_now_us: int, now_us: int) -> None:
    """A customer complains: one recent completed payment (trusted, of a trusted session) is refunded."""
    rows = con.execute(
        "SELECT id FROM backend_core_payment WHERE status = 'completed' AND paid_at IS NOT NULL "
        "AND id NOT IN (SELECT row_id FROM generator_dirty_rows WHERE table_name = ?) "
        "AND session_id NOT IN (SELECT row_id FROM generator_dirty_rows WHERE table_name = ?) "
        "ORDER BY id DESC LIMIT 500", (PAYMENT, SESSION)).fetchall()
    if not rows:
        return
    payment_id = rows[int(rng.integers(0, len(rows)))][0]
    at = old_now_us + int(rng.uniform(0.1, 0.9) * (now_us - old_now_us))
    con.execute("UPDATE backend_core_payment SET status = 'refunded', updated_at = ? WHERE id = ?",
                (_text(at), payment_id))


def _drop_transaction_unique(con) -> None:
    """Rebuild backend_core_payment without the UNIQUE on transaction_id, as an operator's migration would."""
    sql = con.execute("SELECT sql FROM sqlite_master WHERE name = 'backend_core_payment'").fetchone()[0]
    if UNIQUE_TRANSACTION not in sql:
        return
    con.execute(sql.replace("backend_core_payment", "backend_core_payment_new", 1)
                .replace(UNIQUE_TRANSACTION, PLAIN_TRANSACTION))
    con.execute("INSERT INTO backend_core_payment_new SELECT * FROM backend_core_payment")
    con.execute("DROP TABLE backend_core_payment")
    con.execute("ALTER TABLE backend_core_payment_new RENAME TO backend_core_payment")
