"""The simulated operation: slots fill and empty day by day; each day's rows go to SQLite at once.

Shared by `generate_database` (from an empty car park) and `append_days` (from a database's
current state). Memory holds one local day of rows plus one value per slot.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass

import numpy as np

from parking_warehouse.generator import payments as pay
from parking_warehouse.generator.catalog import (
    CANCEL_SHARE,
    GRACE_SECONDS,
    MAX_DWELL_HOURS,
    WHOLE_SECOND_SHARE,
)
from parking_warehouse.generator.clock import US, IntensityClock, format_datetimes, to_microseconds
from parking_warehouse.generator.dirty import (
    PAYMENT,
    Planter,
    plant_payments,
    plant_sessions,
    plant_vehicles,
)
from parking_warehouse.generator.people import (
    assign_owners,
    plates,
    user_rows,
    vehicle_types,
)

HOUR_US = 3600 * US
NEVER = np.iinfo(np.int64).max

P_NEW_VEHICLE = 0.18      # a session by a vehicle never seen before
P_REGULAR = 0.57          # a session by one of the regulars (skewed: a few come every day)
REGULAR_SKEW = 1.2       # u ** 1.2: the first regulars come about daily, most weekly
NEW_VEHICLE_OWNED = 0.55  # new vehicles with an account; the rest are walk-ins

SESSION_SQL = (
    "INSERT INTO backend_core_parkingsession (id, entry_time, exit_time, status, amount, created_at, "
    "updated_at, slot_id, vehicle_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
PAYMENT_SQL = (
    "INSERT INTO backend_core_payment (id, amount, payment_method, status, transaction_id, paid_at, "
    "created_at, updated_at, session_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
VEHICLE_SQL = (
    "INSERT INTO backend_core_vehicle (id, vehicle_number, vehicle_type, created_at, updated_at, owner_id) "
    "VALUES (?, CAST(? AS TEXT), ?, ?, ?, ?)"
)
USER_SQL = "INSERT INTO users_customuser VALUES (" + ", ".join("?" * 14) + ")"


def fee_cents(entry_us: np.ndarray, exit_us: np.ndarray, rate_cents: np.ndarray) -> np.ndarray:
    """The pricing rule: free up to GRACE_SECONDS, else hourly rate x started hours since entry."""
    duration = exit_us - entry_us
    started_hours = -(-duration // HOUR_US)
    return np.where(duration <= GRACE_SECONDS * US, 0, rate_cents * started_hours)


def money(cents: np.ndarray, null: np.ndarray | None = None) -> list:
    """Decimal values as Django leaves them on SQLite: NUMERIC affinity stores 6.00 as integer 6
    and 7.50 as real 7.5 (whose shortest text is exact)."""
    out = (np.asarray(cents) / 100).tolist()
    if null is not None:
        for index in np.flatnonzero(null).tolist():
            out[index] = None
    return out


def sample_dwell_hours(rng: np.random.Generator, hour: np.ndarray, weekend: np.ndarray,
                       scale: np.ndarray) -> np.ndarray:
    """Skewed stays: errands (median 30 min), ordinary visits (2 h), all-day commuters, long stays.

    Weekday arrivals 6-10 h are mostly commuters who stay a working day; evening arrivals are
    more often overnight; a zone's `scale` stretches ordinary and long stays (an airport).
    """
    n = len(hour)
    workday = ~weekend
    p_allday = np.where(workday & (hour >= 6) & (hour < 10), 0.45,
                        np.where(workday & (hour >= 10) & (hour < 12), 0.10, 0.03))
    p_long = np.where(hour >= 18, 0.06, 0.01)
    p_errand = 0.35 * (1 - p_allday)
    u = rng.random(n)
    errand = rng.lognormal(np.log(0.5), 0.7, n)
    ordinary = rng.lognormal(np.log(2.0), 0.55, n) * scale
    allday = np.clip(rng.normal(8.7, 1.1, n), 4.0, 12.0)
    long_stay = rng.lognormal(np.log(14.0), 0.5, n) * scale
    dwell = np.select(
        [u < p_allday, u < p_allday + p_long, u < p_allday + p_long + p_errand],
        [allday, long_stay, errand], ordinary)
    return np.clip(dwell, 2 / 60, MAX_DWELL_HOURS)


@dataclass
class Zones:
    ids: np.ndarray
    popularity: np.ndarray
    dwell_scale: np.ndarray
    online_share: np.ndarray
    rate_cents: np.ndarray       # from reprice_at on
    old_rate_cents: np.ndarray   # before reprice_at
    reprice_at: np.ndarray       # microseconds; NEVER when the rate did not change

    def rate_at(self, zone: np.ndarray, at_us: np.ndarray) -> np.ndarray:
        return np.where(at_us >= self.reprice_at[zone], self.rate_cents[zone], self.old_rate_cents[zone])


@dataclass
class Slots:
    ids: np.ndarray
    zone: np.ndarray          # index into Zones
    next_arrival: np.ndarray  # epoch seconds; inf: none before the end
    closes_at: np.ndarray     # epoch seconds: no arrivals from then on (deactivation planned)
    busy_until: np.ndarray    # epoch seconds: end of the latest session
    last_event: np.ndarray    # microseconds of the latest entry/exit seen; -1: none
    occupied: np.ndarray      # a session is open at now


class Operation:
    def __init__(self, con: sqlite3.Connection, *, id_key: int, rng: np.random.Generator, planter: Planter,
                 clock: IntensityClock, now_us: int, zones: Zones, slots: Slots, next_ids: dict[str, int],
                 regular_vehicles: int, first_customer_id: int, exact_duplicates: bool,
                 check_plates: bool = False):
        self.con = con
        # The key of the bijections id -> plate and id -> transaction id: the seed the database was
        # generated with, never an append's seed, so the ids of every run map into one bijection
        # and cannot collide (a per-run key made an append's plates clash with earlier ones).
        self.id_key = id_key
        # Append: also look new plates up in the table and draw again the (rare) ones already there,
        # written by an earlier generator version under another key (or by hand).
        self.check_plates = check_plates
        self.rng = rng
        self.planter = planter
        self.clock = clock
        self.now_us = now_us
        self.zones = zones
        self.slots = slots
        self.next_ids = next_ids
        self.regular_vehicles = regular_vehicles
        self.first_customer_id = first_customer_id
        self.exact_duplicates = exact_duplicates
        self.payment_buffer: list[dict[str, np.ndarray]] = []
        # New rows cannot be older than this: when appending, the old "now" (the database as it
        # was then already held every row created before it).
        self.earliest_us = -(2**62)
        # Per vehicle id: microseconds until which it is parked (-1: free); 8 bytes per vehicle.
        self.vehicle_busy_until = np.full(max(1024, next_ids["vehicle"]), -1, dtype=np.int64)

    # -- arrivals -------------------------------------------------------------------------------

    def schedule_from(self, slot_index: np.ndarray, after_s: np.ndarray) -> None:
        """Draw each slot's next arrival after `after_s` (when it became free)."""
        popularity = self.zones.popularity[self.slots.zone[slot_index]]
        arrival = self.clock.next_arrival(after_s, popularity, self.rng.exponential(size=len(slot_index)))
        arrival[arrival >= self.slots.closes_at[slot_index]] = np.inf
        self.slots.next_arrival[slot_index] = arrival

    def simulate(self, end_s: float):
        """Every session entering before `end_s`: (slot index, entry s, end s, cancelled)."""
        slots = self.slots
        parts = []
        index = np.flatnonzero(slots.next_arrival < end_s)
        while index.size:
            entry = slots.next_arrival[index]
            zone = slots.zone[index]
            hour, weekend = self.clock.local_hour(entry)
            dwell = sample_dwell_hours(self.rng, hour, weekend, self.zones.dwell_scale[zone])
            cancelled = self.rng.random(len(index)) < CANCEL_SHARE
            dwell = np.where(cancelled, self.rng.uniform(1 / 60, 10 / 60, len(index)), dwell)
            end = entry + dwell * 3600.0
            parts.append((index, entry, end, cancelled))
            slots.busy_until[index] = end
            self.schedule_from(index, end)
            index = index[slots.next_arrival[index] < end_s]
        if not parts:
            return None
        return tuple(np.concatenate(column) for column in zip(*parts))

    # -- one local day --------------------------------------------------------------------------

    def run_day(self, end_s: int, *, final: bool) -> None:
        simulated = self.simulate(end_s)
        if simulated is not None:
            self.write_sessions(*simulated, final=final)
        self.flush_payments(end_s * US, final=final)

    def write_sessions(self, slot_index, entry_s, end_s, cancelled, *, final: bool) -> None:
        rng, now = self.rng, self.now_us
        n = len(slot_index)
        entry = to_microseconds(entry_s)
        whole = rng.random(n) < WHOLE_SECOND_SHARE
        entry[whole] = entry[whole] // US * US
        end = to_microseconds(end_s)
        order = np.argsort(entry, kind="stable")
        slot_index, entry, end, cancelled = slot_index[order], entry[order], end[order], cancelled[order]
        ids = self.next_ids["session"] + np.arange(n)
        self.next_ids["session"] += n
        zone = self.slots.zone[slot_index]
        ended = end <= now
        completed = ended & ~cancelled
        cents = fee_cents(entry, end, self.zones.rate_at(zone, end))
        created = np.minimum(entry + rng.integers(20, 400, n), now)
        updated = np.where(ended, np.minimum(end + rng.integers(20, 400, n), now), created)
        vehicle_ids = self.pick_vehicles(entry, end, final=final)
        np.maximum.at(self.slots.last_event, slot_index, np.where(ended, end, entry))
        self.slots.occupied[slot_index[~ended]] = True

        columns = {
            "id": ids.tolist(),
            "entry_time": format_datetimes(entry),
            "exit_time": format_datetimes(end, null=~completed),
            "status": np.where(completed, "completed", np.where(ended, "cancelled", "active")).tolist(),
            "amount": money(cents, null=~completed),
            "created_at": format_datetimes(created),
            "updated_at": format_datetimes(updated),
            "slot_id": self.slots.ids[slot_index].tolist(),
            "vehicle_id": vehicle_ids.tolist(),
        }
        plant_sessions(self.planter, columns, completed, force=final)
        self.con.executemany(SESSION_SQL, zip(*columns.values()))
        paying = completed & (cents > 0)
        self.add_payments(ids[paying], end[paying], cents[paying], zone[paying])

    def close_sessions(self, ids: np.ndarray, entry: np.ndarray, end: np.ndarray, slot_index: np.ndarray) -> None:
        """Exit of sessions open at the start of an append window (an UPDATE, as the live system does)."""
        zone = self.slots.zone[slot_index]
        cents = fee_cents(entry, end, self.zones.rate_at(zone, end))
        updated = end + self.rng.integers(20, 400, len(ids))
        self.con.executemany(
            "UPDATE backend_core_parkingsession SET exit_time = ?, amount = ?, status = 'completed', "
            "updated_at = ? WHERE id = ?",
            zip(format_datetimes(end), money(cents), format_datetimes(updated), ids.tolist()))
        np.maximum.at(self.slots.last_event, slot_index, end)
        paying = cents > 0
        self.add_payments(ids[paying], end[paying], cents[paying], zone[paying])

    # -- vehicles and their owners --------------------------------------------------------------

    def pick_vehicles(self, entry: np.ndarray, end: np.ndarray, *, final: bool) -> np.ndarray:
        """Who parks: a new vehicle, a regular (skewed to the first regulars) or any known one.

        A known vehicle still parked somewhere (here or earlier in the same day) cannot enter:
        that session goes to a new vehicle instead, so no vehicle is in two places at once.
        """
        rng = self.rng
        n = len(entry)
        known = self.next_ids["vehicle"] - 1
        u = rng.random(n)
        new = (u < P_NEW_VEHICLE) | (known == 0)
        regular = ~new & (u < P_NEW_VEHICLE + P_REGULAR) & (self.regular_vehicles > 0)
        other = ~new & ~regular
        vehicle = np.zeros(n, dtype=np.int64)
        vehicle[regular] = 1 + np.floor(
            self.regular_vehicles * rng.random(int(regular.sum())) ** REGULAR_SKEW).astype(np.int64)
        vehicle[other] = 1 + np.floor(known * rng.random(int(other.sum()))).astype(np.int64)
        new |= ~new & (self.vehicle_busy_until[np.where(new, 0, vehicle)] > entry)
        new |= self._parked_twice_today(vehicle, new, entry, end)
        count = int(new.sum())
        new_ids = self.next_ids["vehicle"] + np.arange(count)
        vehicle[new] = new_ids
        created = np.maximum(entry[new] - rng.integers(5 * US, 90 * US, count), self.earliest_us)
        self.write_vehicles(new_ids, created, NEW_VEHICLE_OWNED, force=final)
        np.maximum.at(self.vehicle_busy_until, vehicle, end)
        return vehicle

    @staticmethod
    def _parked_twice_today(vehicle, new, entry, end) -> np.ndarray:
        """Sessions whose known vehicle entered earlier in the batch and has not left yet."""
        conflict = np.zeros(len(vehicle), dtype=bool)
        known = np.flatnonzero(~new)
        if len(known) < 2:
            return conflict
        order = known[np.lexsort((entry[known], vehicle[known]))]
        group = np.concatenate([[0], np.cumsum(vehicle[order][1:] != vehicle[order][:-1])])
        base = entry[order].min()
        span = 10**13  # > 100 days in microseconds: keeps the running maximum inside each group
        relative = np.minimum(end[order], base + span // 2) - base
        running = np.maximum.accumulate(group * span + relative) - group * span
        same = np.concatenate([[False], group[1:] == group[:-1]])
        previous_end = np.concatenate([[0], running[:-1]])
        conflict[order[same & (previous_end > entry[order] - base)]] = True
        return conflict

    def write_vehicles(self, ids: np.ndarray, created: np.ndarray, owned_share: float, *, force: bool) -> None:
        rng = self.rng
        count = len(ids)
        if count == 0:
            return
        self.next_ids["vehicle"] += count
        if len(self.vehicle_busy_until) < self.next_ids["vehicle"]:  # grow by doubling
            grown = np.full(2 * self.next_ids["vehicle"], -1, dtype=np.int64)
            grown[:len(self.vehicle_busy_until)] = self.vehicle_busy_until
            self.vehicle_busy_until = grown
        kinds = vehicle_types(rng, count)
        owners, new_user = assign_owners(rng, count, owned_share, self.next_ids["user"], self.first_customer_id)
        joined = np.maximum(created[new_user] - rng.integers(60 * US, 3600 * US, int(new_user.sum())),
                            self.earliest_us)
        # Most customers log in at sign-up, between joining and registering the vehicle.
        logged_in = rng.random(len(joined)) < 0.85
        login = joined + ((created[new_user] - joined) * rng.uniform(0.1, 0.9, len(joined))).astype(np.int64)
        users = user_rows(rng, self.next_ids["user"], joined, ["user"] * len(joined),
                          last_login_us=np.where(logged_in, login, -1))
        self.next_ids["user"] += len(users)
        self.con.executemany(USER_SQL, users)
        numbers = plates(ids, self.id_key, kinds == "ev")
        if self.check_plates:
            numbers = self._unused_plates(ids, kinds == "ev", numbers)
        id_list = ids.tolist()
        plant_vehicles(self.planter, id_list, numbers, force=force)
        created_text = format_datetimes(created)
        owner_list = [o or None for o in owners.tolist()]
        self.con.executemany(VEHICLE_SQL, zip(id_list, numbers, kinds.tolist(), created_text, created_text,
                                              owner_list))

    def _unused_plates(self, ids: np.ndarray, is_ev: np.ndarray, numbers: list[str]) -> list[str]:
        """`numbers`, with each plate the table already holds (or the batch holds twice) drawn again
        under another key until it is free. One indexed look-up per batch (vehicle_number is UNIQUE)."""
        pending = self._plates_in_table(numbers)
        attempt = 0
        while pending:
            attempt += 1
            index = np.array(pending, dtype=np.int64)
            for i, plate in zip(pending, plates(ids[index], self.id_key + attempt * 7_777_777, is_ev[index])):
                numbers[i] = plate
            counts = Counter(numbers)
            pending = sorted({i for i in pending if counts[numbers[i]] > 1}
                             | set(self._plates_in_table(numbers, among=pending)))
        return numbers

    def _plates_in_table(self, numbers: list[str], among: list[int] | None = None) -> list[int]:
        """Positions (of `among`, default all) whose plate is already in backend_core_vehicle."""
        positions = range(len(numbers)) if among is None else among
        values = sorted({numbers[i] for i in positions})
        found: set[str] = set()
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            found.update(r[0] for r in self.con.execute(
                "SELECT vehicle_number FROM backend_core_vehicle WHERE vehicle_number IN ("
                + ", ".join("?" * len(chunk)) + ")", chunk))
        return [i for i in positions if numbers[i] in found]

    # -- payments -------------------------------------------------------------------------------

    def add_payments(self, session_ids, exit_us, cents, zone) -> None:
        if len(session_ids):
            self.payment_buffer.append(pay.payment_attempts(
                self.rng, session_ids, exit_us, cents, self.zones.online_share[zone], self.now_us))

    def flush_payments(self, before_us: int | None, *, final: bool) -> None:
        """Insert the buffered payments created before `before_us` (all when None), in creation order."""
        rows = pay.concat(self.payment_buffer)
        if not rows:
            self.payment_buffer = []
            return
        due = np.ones(len(rows["created"]), dtype=bool) if before_us is None else rows["created"] < before_us
        self.payment_buffer = [pay.take(rows, ~due)] if (~due).any() else []
        if due.any():
            self.write_payments(pay.take(rows, due), final=final)

    def write_payments(self, rows: dict[str, np.ndarray], *, final: bool) -> None:
        planter = self.planter
        n = len(rows["created"])
        online_completed = (rows["method"] == pay.ONLINE) & (rows["status"] == pay.COMPLETED)
        taken = np.zeros(n, dtype=bool)
        blank = planter.pick("duplicate_transaction_id_blank", online_completed, taken, force=final)
        exact = (planter.pick("duplicate_transaction_id_exact", online_completed, taken, force=final)
                 if self.exact_duplicates else blank[:0])
        copies = np.concatenate([blank, exact])
        source = np.concatenate([np.full(n, -1), copies])
        copy_kind = np.concatenate([np.zeros(n, dtype=np.int64), np.ones(len(blank), dtype=np.int64),
                                    np.full(len(exact), 2)])
        if len(copies):  # a double-submitted form: the same payment again, 0.3-3 s later
            extra = pay.take(rows, copies)
            shift = np.minimum(planter.rng.integers(300_000, 3_000_000, len(copies)),
                               self.now_us - extra["updated"])
            for key in ("created", "updated"):
                extra[key] = extra[key] + shift
            extra["paid"] = np.where(extra["paid"] >= 0, extra["paid"] + shift, -1)
            rows = pay.concat([rows, extra])
        total = len(rows["created"])
        order = np.argsort(rows["created"], kind="stable")
        rows = pay.take(rows, order)
        source, copy_kind = source[order], copy_kind[order]
        position = np.empty(total, dtype=np.int64)
        position[order] = np.arange(total)
        ids = self.next_ids["payment"] + np.arange(total)
        self.next_ids["payment"] += total

        created_text = format_datetimes(rows["created"])
        id_list = ids.tolist()
        online = (rows["method"] == pay.ONLINE).tolist()
        transaction = [pay.transaction_id(i, c, self.id_key) if o else None
                       for i, c, o in zip(id_list, created_text, online)]
        copy_rows = np.flatnonzero(copy_kind > 0)
        for i in copy_rows.tolist():
            original = transaction[position[source[i]]]
            transaction[i] = original + " " if copy_kind[i] == 1 else original
        columns = {
            "id": id_list,
            "amount": money(rows["cents"]),
            "payment_method": pay.METHOD_TEXT[rows["method"]].tolist(),
            "status": pay.STATUS_TEXT[rows["status"]].tolist(),
            "transaction_id": transaction,
            "paid_at": format_datetimes(rows["paid"], null=rows["paid"] < 0),
            "created_at": created_text,
            "updated_at": format_datetimes(rows["updated"]),
            "session_id": rows["session_id"].tolist(),
        }
        eligible = np.ones(total, dtype=bool)
        eligible[copy_rows] = False
        eligible[position[source[copy_rows]]] = False
        plant_payments(planter, columns, eligible, rows["status"] == pay.COMPLETED, force=final)
        for kind_code, kind in ((1, "duplicate_transaction_id_blank"), (2, "duplicate_transaction_id_exact")):
            planter.record(PAYMENT, ids[copy_kind == kind_code].tolist(), kind)
        self.con.executemany(PAYMENT_SQL, zip(*columns.values()))
        planter.flush(self.con)
