"""Operational database (SQLite or PostgreSQL) -> DuckDB raw layer, incremental and atomic.

See docs/extract.md. `extract_to_raw` is what `parking-warehouse extract` and the Airflow task
call; `format_load_report` prints its per-table counts.
"""

from extract import postgres_reader, sqlite_reader  # noqa: F401 - drivers load with the package
from extract.load import TableLoad, extract_to_raw, format_load_report

__all__ = ["TableLoad", "extract_to_raw", "format_load_report"]
