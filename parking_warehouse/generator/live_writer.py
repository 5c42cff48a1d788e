"""A writer that never stops: the Django system writing to its database while the extract reads.

    python -m parking_warehouse.generator.live_writer SOURCE --stop FILE [--stats FILE] [--seed N]

Until the file `--stop` exists it keeps doing what the parking system does, each in one short
write transaction (as Django's `atomic()` around a request), every changed row stamped with
`updated_at` = the moment of the write (the writer's clock, as `auto_now`):

- `enter`: a new active session on a free active slot, the slot marked occupied;
- `exit`: an active session completed (exit time, amount), its slot freed, a pending payment;
- `settle`: a pending payment completed (`paid_at`) or failed.

SOURCE is a SQLite file (put in WAL mode, as a Django site under load runs it; the write
transactions are `BEGIN IMMEDIATE`, with Django's 5 s busy timeout) or a postgresql:// URL.
The writer picks among existing vehicles and slots, so it needs a generated database
(`parking-warehouse generate`). On exit it writes `{"transactions": n, "rows": n, ...}` to
`--stats`. Used by tests/test_live_writer.py and bench/soak.py; never point it at a real site.
"""

from __future__ import annotations

import argparse
import json
import random
import sqlite3
import time
from datetime import UTC, datetime
from pathlib import Path

from parking_warehouse.errors import ParkingWarehouseError

SESSIONS = "backend_core_parkingsession"
PAYMENTS = "backend_core_payment"
SLOTS = "backend_core_parkingslot"
VEHICLES = "backend_core_vehicle"


class Writer:
    """One connection to the source and the three operations, each one transaction."""

    def __init__(self, source: str, seed: int):
        self.random = random.Random(seed)
        self.seed = seed
        self.postgres = source.startswith(("postgresql://", "postgres://"))
        self.counts = {"transactions": 0, "rows": 0, "enter": 0, "exit": 0, "settle": 0, "skipped": 0}
        if self.postgres:
            import psycopg

            self.con = psycopg.connect(source, autocommit=True)  # explicit begin/commit
            self.mark = "%s"
        else:
            if not Path(source).is_file():
                raise ParkingWarehouseError(f"live writer: no SQLite file {source}")
            self.con = sqlite3.connect(source, isolation_level=None, timeout=5.0)
            self.con.execute("pragma journal_mode = wal")
            self.mark = "?"

    def now(self) -> datetime | str:
        moment = datetime.now(UTC)
        if self.postgres:
            return moment
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f")  # Django's text on SQLite

    def flags(self, *values: bool) -> tuple:
        """Booleans as the source stores them: true/false on PostgreSQL, 1/0 on SQLite."""
        return values if self.postgres else tuple(int(v) for v in values)

    def sql(self, text: str, params: tuple = ()) -> list[tuple]:
        cursor = self.con.execute(text.replace("?", self.mark), params)
        return cursor.fetchall() if cursor.description else []

    def transaction(self, operation) -> None:
        """Run one operation in its own write transaction; its row count goes to the stats."""
        self.sql("begin" if self.postgres else "begin immediate")
        try:
            rows = operation()
            self.sql("commit")
        except BaseException:
            self.sql("rollback")
            raise
        self.counts["transactions"] += 1
        self.counts["rows"] += rows
        self.counts[operation.__name__ if rows else "skipped"] += 1

    def enter(self) -> int:
        free = self.sql(f"select id from {SLOTS} where is_active = ? and is_occupied = ? "
                        "order by random() limit 1", self.flags(True, False))
        vehicle = self.sql(f"select id from {VEHICLES} order by random() limit 1")
        if not free or not vehicle:
            return 0
        now = self.now()
        self.sql(f"insert into {SESSIONS} (entry_time, exit_time, status, amount, created_at, updated_at, "
                 "slot_id, vehicle_id) values (?, null, 'active', null, ?, ?, ?, ?)",
                 (now, now, now, free[0][0], vehicle[0][0]))
        self.sql(f"update {SLOTS} set is_occupied = ?, updated_at = ? where id = ?",
                 (*self.flags(True), now, free[0][0]))
        return 2

    def exit(self) -> int:
        # only sessions this writer opened: their entry time is on the writer's clock
        active = self.sql(f"select id, slot_id from {SESSIONS} where status = 'active' "
                          "and created_at >= ? order by random() limit 1", (self.started,))
        if not active:
            return 0
        session, slot = active[0]
        now = self.now()
        amount = f"{self.random.randint(1, 40)}.{self.random.choice(('00', '50'))}"
        self.sql(f"update {SESSIONS} set exit_time = ?, status = 'completed', amount = ?, updated_at = ? "
                 "where id = ?", (now, amount, now, session))
        self.sql(f"update {SLOTS} set is_occupied = ?, updated_at = ? where id = ?",
                 (*self.flags(False), now, slot))
        method = self.random.choice(("cash", "online"))
        self.sql(f"insert into {PAYMENTS} (amount, payment_method, status, transaction_id, paid_at, "
                 "created_at, updated_at, session_id) values (?, ?, 'pending', ?, null, ?, ?, ?)",
                 (amount, method, f"live-{self.seed}-{session}", now, now, session))
        return 3

    def settle(self) -> int:
        pending = self.sql(f"select id from {PAYMENTS} where status = 'pending' "
                           "and transaction_id like ? order by random() limit 1", ("live-%",))
        if not pending:
            return 0
        now = self.now()
        if self.random.random() < 0.9:
            self.sql(f"update {PAYMENTS} set status = 'completed', paid_at = ?, updated_at = ? where id = ?",
                     (now, now, pending[0][0]))
        else:
            self.sql(f"update {PAYMENTS} set status = 'failed', updated_at = ? where id = ?",
                     (now, pending[0][0]))
        return 1

    def run(self, stop: Path, pause_seconds: float) -> dict:
        self.started = self.now()
        operations = (self.enter, self.enter, self.exit, self.settle)
        try:
            while not stop.exists():
                self.transaction(self.random.choice(operations))
                time.sleep(pause_seconds)
        finally:
            self.con.close()
        return self.counts


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source")
    parser.add_argument("--stop", type=Path, required=True, help="stop once this file exists")
    parser.add_argument("--stats", type=Path, help="write the counts here (JSON) on exit")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pause", type=float, default=0.002, help="seconds between transactions")
    args = parser.parse_args(argv)
    counts = Writer(args.source, args.seed).run(args.stop, args.pause)
    if args.stats:
        args.stats.write_text(json.dumps(counts) + "\n")


if __name__ == "__main__":
    main()
