"""The marts as Parquet files, for BI tools that read files rather than DuckDB."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from parking_warehouse.duckdb_resources import connect
from parking_warehouse.errors import ParkingWarehouseError


@dataclass(frozen=True)
class ParquetExport:
    out_dir: Path
    tables: dict[str, int]  # table -> rows

    def __str__(self) -> str:
        lines = [f"wrote {len(self.tables)} Parquet file(s) to {self.out_dir}:"]
        lines += [f"  {table}.parquet  {rows:>8,} rows" for table, rows in self.tables.items()]
        return "\n".join(lines)


def export_parquet(warehouse_path: Path | str, out_dir: Path | str) -> ParquetExport:
    """Write every table of schema `marts` to OUT/<table>.parquet (each file replaced atomically)."""
    warehouse_path, out_dir = Path(warehouse_path), Path(out_dir)
    if not warehouse_path.exists():
        raise ParkingWarehouseError(f"no warehouse at {warehouse_path}: run the daily pipeline first")
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = {}
    con = connect(warehouse_path, read_only=True)
    try:
        names = [row[0] for row in con.execute(
            "select table_name from information_schema.tables where table_schema = 'marts' "
            "order by table_name").fetchall()]
        if not names:
            raise ParkingWarehouseError(f"the warehouse {warehouse_path} has no marts tables to export")
        for name in names:
            target = out_dir / f"{name}.parquet"
            partial = out_dir / f".{name}.parquet.partial"
            con.execute(f"copy (select * from marts.\"{name}\") to '{_quote(partial)}' "
                        "(format parquet, compression zstd)")
            os.replace(partial, target)
            tables[name] = con.execute(f'select count(*) from marts."{name}"').fetchone()[0]
    finally:
        con.close()
    return ParquetExport(out_dir, tables)


def _quote(path: Path) -> str:
    return str(path).replace("'", "''")
