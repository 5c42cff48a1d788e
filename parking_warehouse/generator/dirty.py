"""Planting the flawed rows real operators' databases contain (source-contract.md).

Every planted row is recorded in `generator_dirty_rows(table_name, row_id, kind)`: one row per
planted row per kind. A row carries at most one kind. Rows that become untrusted only because
their parent is untrusted (the trust cascade of analytics-spec.md) are not recorded.
"""

from __future__ import annotations

from collections import Counter

import numpy as np

SESSION = "backend_core_parkingsession"
PAYMENT = "backend_core_payment"
VEHICLE = "backend_core_vehicle"

# kind -> (table, untrusted?, what is planted)
KINDS = {
    "orphan_slot": (SESSION, True, "slot_id points to no slot (1e9 + a real id)"),
    "orphan_vehicle": (SESSION, True, "vehicle_id points to no vehicle (1e9 + a real id)"),
    "exit_before_entry": (SESSION, True, "a completed session's entry and exit swapped"),
    "future_entry": (SESSION, True, "a completed session's entry and exit moved 12 years ahead"),
    "unparseable_datetime": (SESSION, True, "exit_time written as 'DD.MM.YYYY HH:MM'"),
    "unknown_status": (SESSION, True, "status 'finished' / 'Completed' / 'closed'"),
    "negative_amount": (PAYMENT, True, "amount negated"),
    "absurd_amount": (PAYMENT, True, "amount x 10^8 (does not fit numeric(10,2): unparseable)"),
    "unknown_payment_status": (PAYMENT, True, "status 'paid' / 'COMPLETED' / 'success'"),
    "unknown_payment_method": (PAYMENT, True, "payment_method 'Cash' / 'card' / 'paypal'"),
    "completed_without_paid_at": (PAYMENT, True, "a completed payment's paid_at set NULL"),
    "orphan_session": (PAYMENT, True, "session_id points to no session (1e9 + a real id)"),
    "duplicate_transaction_id_blank": (
        PAYMENT, True, "a double-submitted copy of an online payment, transaction_id + ' '"),
    "duplicate_transaction_id_exact": (
        PAYMENT, True, "an exact copy of an online payment (the UNIQUE index is dropped)"),
    "odd_plate": (VEHICLE, False, "plate in lower case, with doubled, missing or surrounding blanks"),
    "invalid_utf8": (VEHICLE, False, "plate holding a Latin-1 byte (0xDC) that is not UTF-8"),
}
# The kind name written to generator_dirty_rows (one status kind name for both tables).
RECORDED_NAME = {"unknown_payment_status": "unknown_status"}
SESSION_KINDS = [k for k, v in KINDS.items() if v[0] == SESSION]
PAYMENT_KINDS = [k for k, v in KINDS.items() if v[0] == PAYMENT]
VEHICLE_KINDS = [k for k, v in KINDS.items() if v[0] == VEHICLE]
UNTRUSTED_KINDS = sorted({RECORDED_NAME.get(k, k) for k, v in KINDS.items() if v[1]})
ORPHAN_OFFSET = 1_000_000_000

DIRTY_TABLE_DDL = (
    "CREATE TABLE generator_dirty_rows (table_name TEXT NOT NULL, row_id INTEGER NOT NULL, "
    "kind TEXT NOT NULL)"
)


class Planter:
    """Chooses which rows of a batch get which flaw, at `rate` per kind (binomial, disjoint)."""

    def __init__(self, rate: float, rng: np.random.Generator):
        self.rate = rate
        self.rng = rng
        self.totals: Counter = Counter()
        self.recorded: list[tuple[str, int, str]] = []

    def pick(self, kind: str, eligible: np.ndarray, taken: np.ndarray, *, force: bool) -> np.ndarray:
        """Indices to plant `kind` on; with `force`, at least one over the run if any is eligible."""
        if self.rate <= 0:
            return np.empty(0, dtype=np.int64)
        candidates = np.flatnonzero(eligible & ~taken)
        count = int(self.rng.binomial(len(candidates), self.rate))
        if count == 0 and force and self.totals[kind] == 0 and len(candidates):
            count = 1
        chosen = np.sort(self.rng.choice(candidates, count, replace=False)) if count else candidates[:0]
        taken[chosen] = True
        self.totals[kind] += count
        return chosen

    def record(self, table: str, row_ids, kind: str) -> None:
        name = RECORDED_NAME.get(kind, kind)
        self.recorded.extend((table, int(row_id), name) for row_id in row_ids)

    def flush(self, con) -> None:
        if self.recorded:
            con.executemany("INSERT INTO generator_dirty_rows VALUES (?, ?, ?)", self.recorded)
            self.recorded = []

    def choice(self, options: tuple[str, ...]) -> str:
        return options[int(self.rng.integers(0, len(options)))]


def plant_sessions(planter: Planter, columns: dict[str, list], completed: np.ndarray, *, force: bool) -> None:
    """Mutate a batch of session rows (columns of Python values, ids already assigned)."""
    n = len(columns["id"])
    taken = np.zeros(n, dtype=bool)
    for kind in SESSION_KINDS:  # completed sessions only: the live ones stay clean for --append-days
        chosen = planter.pick(kind, completed, taken, force=force).tolist()
        for i in chosen:
            entry, exit_ = columns["entry_time"][i], columns["exit_time"][i]
            if kind == "orphan_slot":
                columns["slot_id"][i] += ORPHAN_OFFSET
            elif kind == "orphan_vehicle":
                columns["vehicle_id"][i] += ORPHAN_OFFSET
            elif kind == "exit_before_entry":
                columns["entry_time"][i], columns["exit_time"][i] = exit_, entry
            elif kind == "future_entry":  # 12 years keeps 29 February valid
                columns["entry_time"][i] = f"{int(entry[:4]) + 12}{entry[4:]}"
                columns["exit_time"][i] = f"{int(exit_[:4]) + 12}{exit_[4:]}"
            elif kind == "unparseable_datetime":
                columns["exit_time"][i] = f"{exit_[8:10]}.{exit_[5:7]}.{exit_[:4]} {exit_[11:16]}"
            elif kind == "unknown_status":
                columns["status"][i] = planter.choice(("finished", "Completed", "closed"))
        planter.record(SESSION, [columns["id"][i] for i in chosen], kind)


def plant_payments(planter: Planter, columns: dict[str, list], eligible: np.ndarray,
                   completed: np.ndarray, *, force: bool) -> None:
    """Mutate a batch of payment rows; `eligible` excludes rows involved in duplicates."""
    taken = ~eligible
    for kind in PAYMENT_KINDS:
        if kind.startswith("duplicate"):
            continue
        allowed = completed if kind == "completed_without_paid_at" else np.ones(len(taken), dtype=bool)
        chosen = planter.pick(kind, allowed, taken, force=force).tolist()
        for i in chosen:
            amount = columns["amount"][i]
            if kind == "negative_amount":
                columns["amount"][i] = -amount
            elif kind == "absurd_amount":
                columns["amount"][i] = max(amount, 1) * 100_000_000
            elif kind == "unknown_payment_status":
                columns["status"][i] = planter.choice(("paid", "COMPLETED", "success"))
            elif kind == "unknown_payment_method":
                columns["payment_method"][i] = planter.choice(("Cash", "card", "paypal"))
            elif kind == "completed_without_paid_at":
                columns["paid_at"][i] = None
            elif kind == "orphan_session":
                columns["session_id"][i] += ORPHAN_OFFSET
        planter.record(PAYMENT, [columns["id"][i] for i in chosen], kind)


def plant_vehicles(planter: Planter, ids: list, numbers: list, *, force: bool) -> None:
    """Mess up the plates of some new vehicles; each stays unique (built from its own plate)."""
    n = len(ids)
    taken = np.zeros(n, dtype=bool)
    everything = np.ones(n, dtype=bool)
    for kind in VEHICLE_KINDS:
        chosen = planter.pick(kind, everything, taken, force=force).tolist()
        for i in chosen:
            plate = numbers[i]
            if kind == "odd_plate":
                style = planter.choice(("lower", "double", "nohyphen", "blanks"))
                numbers[i] = {
                    "lower": plate.lower(),
                    "double": plate.replace(" ", "  "),
                    "nohyphen": plate.replace("-", " "),
                    "blanks": f" {plate} ",
                }[style]
            else:  # bytes: written with CAST(? AS TEXT), so SQLite keeps them as (invalid) text
                district, rest = plate.split("-", 1)
                numbers[i] = district.encode() + b"\xdc-" + rest.encode()
        planter.record(VEHICLE, [ids[i] for i in chosen], kind)
