"""What the extract reads from each source table: the contract's columns, minus personal data.

The column lists come from the source DDL itself (`parking_warehouse/source_schema/sqlite.sql`),
so the contract is written down once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from functools import cache

from parking_warehouse.errors import ParkingWarehouseError
from parking_warehouse.source_schema import PERSONAL_COLUMNS, SOURCE_TABLES, source_ddl

KEY = "id"
CHANGE_COLUMN = "updated_at"
METADATA_COLUMNS = ("_loaded_at", "_run_id", "_deleted_at")


@cache
def contract_columns() -> dict[str, tuple[str, ...]]:
    """Every contract table's columns in contract order (personal ones included)."""
    con = sqlite3.connect(":memory:")
    try:
        con.executescript(source_ddl("sqlite"))
        return {
            table: tuple(row[1] for row in con.execute(f"pragma table_info({table})"))
            for table in SOURCE_TABLES
        }
    finally:
        con.close()


@dataclass(frozen=True)
class TablePlan:
    """The columns to read from one source table, in raw-layer order (`id` first)."""

    table: str
    columns: tuple[str, ...]

    @property
    def value_columns(self) -> tuple[str, ...]:
        """Every column but the key: these become VARCHAR in raw."""
        return tuple(c for c in self.columns if c != KEY)


def plan_table(table: str, source_columns: list[str], source_label: str) -> TablePlan:
    """Check a source table against the contract and decide what to read.

    Contract columns (without personal ones) come first in contract order, then any column the
    source has beyond the contract, in source order. A missing contract column stops the load.
    """
    personal = set(PERSONAL_COLUMNS.get(table, ()))
    expected = [c for c in contract_columns()[table] if c not in personal]
    present = set(source_columns)
    for column in expected:
        if column not in present:
            raise ParkingWarehouseError(
                f"source {source_label}: table {table} has no column {column!r}, which the "
                f"source contract requires (columns found: {', '.join(source_columns)})"
            )
    known = set(contract_columns()[table])
    extra = [
        c for c in source_columns
        if c not in known and c not in personal and c not in METADATA_COLUMNS
    ]
    return TablePlan(table=table, columns=tuple(expected + extra))
