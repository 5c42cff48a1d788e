"""A tiny builder for hand-made operational SQLite databases whose right answers are obvious.

    db = SourceDB(tmp_path / "source.sqlite3")
    zone = db.zone(name="Center", hourly_rate="2.50")
    slot = db.slot(zone, slot_number="A1")
    car = db.vehicle("B-AB 123", owner=db.user(role="user"))
    session = db.session(slot, car, entry="2026-03-08 09:00:00", exit="2026-03-08 11:00:00", amount="5.00")
    db.payment(session, amount="5.00", paid_at="2026-03-08 11:00:05")
    db.commit()

Values are written as given (text), so a test can plant any dirty value; datetimes are UTC
text as Django stores them on SQLite. Defaults make every row valid and old enough.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from parking_warehouse.source_schema import source_ddl

EPOCH = "2026-01-01 00:00:00"


class SourceDB:
    def __init__(self, path: Path):
        self.path = Path(path)
        self.con = sqlite3.connect(self.path)
        self.con.executescript(source_ddl("sqlite"))

    def _insert(self, table: str, **values) -> int:
        columns = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cursor = self.con.execute(f"insert into {table} ({columns}) values ({marks})", list(values.values()))
        return cursor.lastrowid

    def user(self, role="user", *, id=None, created=EPOCH, updated=None, username=None):
        row_id = self._insert(
            "users_customuser", id=id, password="pbkdf2_sha256$secret", last_login=None,
            is_superuser=int(role == "admin"), username=username or f"user{self._next_id('users_customuser')}",
            first_name="First", last_name="Last", email="someone@example.com",
            is_staff=int(role in ("admin", "staff")), is_active=1, date_joined=created, role=role,
            phone_number="+49 30 123456", updated_at=updated or created,
        )
        return row_id

    def zone(self, name="Center", hourly_rate="2.00", *, id=None, is_active=1, created=EPOCH, updated=None):
        return self._insert(
            "backend_core_parkingzone", id=id, name=name, description=f"{name} zone",
            hourly_rate=hourly_rate, is_active=is_active, created_at=created, updated_at=updated or created,
        )

    def slot(self, zone_id, slot_number=None, *, id=None, slot_type="regular", is_active=1,
             is_occupied=0, created=EPOCH, updated=None):
        return self._insert(
            "backend_core_parkingslot", id=id,
            slot_number=slot_number or f"S{self._next_id('backend_core_parkingslot')}",
            slot_type=slot_type, is_occupied=is_occupied, is_active=is_active, created_at=created,
            updated_at=updated or created, zone_id=zone_id,
        )

    def vehicle(self, vehicle_number, owner=None, *, id=None, vehicle_type="car", created=EPOCH, updated=None):
        return self._insert(
            "backend_core_vehicle", id=id, vehicle_number=vehicle_number, vehicle_type=vehicle_type,
            created_at=created, updated_at=updated or created, owner_id=owner,
        )

    def session(self, slot_id, vehicle_id, *, entry, exit=None, status=None, amount=None, id=None,
                created=None, updated=None):
        if status is None:
            status = "active" if exit is None else "completed"
        return self._insert(
            "backend_core_parkingsession", id=id, entry_time=entry, exit_time=exit, status=status,
            amount=amount, created_at=created or entry, updated_at=updated or exit or entry,
            slot_id=slot_id, vehicle_id=vehicle_id,
        )

    def payment(self, session_id, amount, *, method="cash", status="completed", paid_at=None,
                created=None, updated=None, transaction_id=None, id=None):
        created = created or paid_at or EPOCH
        return self._insert(
            "backend_core_payment", id=id, amount=amount, payment_method=method, status=status,
            transaction_id=transaction_id, paid_at=paid_at, created_at=created,
            updated_at=updated or paid_at or created, session_id=session_id,
        )

    def execute(self, sql: str, params=()):
        return self.con.execute(sql, params)

    def commit(self) -> SourceDB:
        self.con.commit()
        return self

    def close(self) -> None:
        self.con.commit()
        self.con.close()

    def _next_id(self, table: str) -> int:
        return self.con.execute(f"select coalesce(max(id), 0) + 1 from {table}").fetchone()[0]
