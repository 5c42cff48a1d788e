"""How much of the machine DuckDB may use, for every connection the pipeline opens.

    PARKING_DUCKDB_MEMORY_LIMIT   DuckDB's memory_limit (default 2GB): above it DuckDB spills
                                  to a temporary folder beside the file instead of growing
    PARKING_DUCKDB_THREADS        DuckDB's threads (default: the machine's cores)

Read from the environment, as dbt's profile reads them (dbt_project/profiles.yml), so the
extract, the data-quality gates, dbt and the reports share one budget. DuckDB's own default,
80 % of the machine's memory per connection, let a first load of 10M sessions reach 14 GB.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb

from parking_warehouse.errors import ParkingWarehouseError

MEMORY_LIMIT_ENV = "PARKING_DUCKDB_MEMORY_LIMIT"
THREADS_ENV = "PARKING_DUCKDB_THREADS"
DEFAULT_MEMORY_LIMIT = "2GB"
_MEMORY = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


def memory_limit() -> str:
    value = (os.environ.get(MEMORY_LIMIT_ENV) or DEFAULT_MEMORY_LIMIT).strip()
    if not _MEMORY.match(value):
        raise ParkingWarehouseError(
            f"{MEMORY_LIMIT_ENV}={value!r} is not an amount of memory such as '2GB' or '512MB'")
    return value


def threads() -> int:
    value = os.environ.get(THREADS_ENV)
    if not value:
        return os.cpu_count() or 1
    if not value.strip().isdigit() or int(value) < 1:
        raise ParkingWarehouseError(f"{THREADS_ENV}={value!r} is not a whole number of threads >= 1")
    return int(value)


def duckdb_config() -> dict[str, str]:
    return {"memory_limit": memory_limit(), "threads": str(threads())}


def connect(path: Path | str, *, read_only: bool = False) -> duckdb.DuckDBPyConnection:
    """duckdb.connect with the pipeline's memory and thread budget."""
    return duckdb.connect(str(path), read_only=read_only, config=duckdb_config())
