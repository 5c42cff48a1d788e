"""One configuration object, filled from command-line flags, then environment variables, then defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from parking_warehouse import REPO_ROOT
from parking_warehouse.errors import ParkingWarehouseError

DEMO_TIMEZONE = "Europe/Berlin"
DEMO_SOURCE = REPO_ROOT / "demo" / "parking.sqlite3"
DEFAULT_START_DATE = date(2026, 1, 1)

# field name -> (environment variable, default)
_ENVIRONMENT = {
    "timezone": ("PARKING_TIMEZONE", "UTC"),
    "source": ("PARKING_SOURCE", None),
    "warehouse": ("PARKING_WAREHOUSE", str(REPO_ROOT / "warehouse.duckdb")),
    "reports_dir": ("PARKING_REPORTS_DIR", str(REPO_ROOT / "reports")),
    "start_date": ("PARKING_START_DATE", DEFAULT_START_DATE.isoformat()),
    "engine": ("PARKING_ENGINE", "duckdb"),
    "spark_master": ("PARKING_SPARK_MASTER", "local[2]"),
    "spark_warehouse_dir": ("PARKING_SPARK_WAREHOUSE_DIR", None),  # None: <state dir>/spark
    "spark_driver_memory": ("PARKING_SPARK_DRIVER_MEMORY", "2g"),
}
ENGINES = ("duckdb", "spark")


@dataclass(frozen=True)
class Settings:
    timezone: str
    source: str | None
    warehouse: Path
    reports_dir: Path
    start_date: date = DEFAULT_START_DATE  # the first D the Airflow schedule covers (catch-up starts here)
    # the engine dbt builds with (docs/scale-out.md): duckdb, or spark (dbt-spark, then the
    # built tables are loaded back into the DuckDB working copy)
    engine: str = "duckdb"
    spark_master: str = "local[2]"
    spark_warehouse_dir: Path | None = None  # None: `spark/` in the warehouse's state directory
    spark_driver_memory: str = "2g"

    @classmethod
    def resolve(cls, flags: dict | None = None, environ: dict | None = None) -> Settings:
        """Flags win over environment variables, which win over defaults.

        `flags` maps field names to values given on the command line (None = not given).
        """
        flags = flags or {}
        environ = os.environ if environ is None else environ
        values = {}
        for field, (variable, default) in _ENVIRONMENT.items():
            value = flags.get(field)
            if value is None:
                value = environ.get(variable) or default
            values[field] = value
        settings = cls(
            timezone=values["timezone"],
            source=values["source"],
            warehouse=Path(values["warehouse"]).expanduser().resolve(),
            reports_dir=Path(values["reports_dir"]).expanduser().resolve(),
            start_date=_parse_start_date(values["start_date"]),
            engine=_parse_engine(values["engine"]),
            spark_master=values["spark_master"],
            spark_warehouse_dir=(Path(values["spark_warehouse_dir"]).expanduser().resolve()
                                 if values["spark_warehouse_dir"] else None),
            spark_driver_memory=values["spark_driver_memory"],
        )
        settings.check_timezone()
        return settings

    def check_timezone(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise ParkingWarehouseError(
                f"time zone {self.timezone!r} (--timezone / PARKING_TIMEZONE) is not an IANA "
                "time-zone name such as 'Europe/Berlin' or 'UTC'"
            ) from None

    @property
    def spark_dir(self) -> Path:
        """Spark's warehouse directory: its tables (Parquet) and the raw layer exported for it."""
        if self.spark_warehouse_dir is not None:
            return self.spark_warehouse_dir
        return self.warehouse.parent / f".{self.warehouse.stem}" / "spark"

    def with_source(self, source: str) -> Settings:
        return replace(self, source=source)

    def require_source(self) -> str:
        if not self.source:
            raise ParkingWarehouseError(
                "no source database configured: pass --source PATH_OR_URL or set PARKING_SOURCE"
            )
        return self.source


def _parse_start_date(value: str | date) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ParkingWarehouseError(
            f"start date {value!r} (--start-date / PARKING_START_DATE) is not a date YYYY-MM-DD"
        ) from None


def _parse_engine(value: str) -> str:
    engine = str(value).strip().lower()
    if engine not in ENGINES:
        raise ParkingWarehouseError(
            f"engine {value!r} (--engine / PARKING_ENGINE) is not one of {', '.join(ENGINES)}"
        )
    return engine


def add_settings_flags(parser, *, fields=("timezone", "source", "warehouse", "reports_dir")) -> None:
    """Add the shared configuration flags to an argparse parser (defaults stay None)."""
    helps = {
        "timezone": "operator's IANA time zone (env PARKING_TIMEZONE, default UTC)",
        "source": "operational database: SQLite path or postgresql:// URL (env PARKING_SOURCE)",
        "warehouse": "DuckDB warehouse file (env PARKING_WAREHOUSE, default ./warehouse.duckdb)",
        "reports_dir": "folder for report runs (env PARKING_REPORTS_DIR, default ./reports)",
        "start_date": "first day D the Airflow schedule covers, YYYY-MM-DD "
                      f"(env PARKING_START_DATE, default {DEFAULT_START_DATE.isoformat()})",
        "engine": "engine dbt builds with: duckdb or spark (env PARKING_ENGINE, default duckdb; "
                  "docs/scale-out.md)",
    }
    for field in fields:
        parser.add_argument("--" + field.replace("_", "-"), dest=field, default=None, help=helps[field])


def settings_from_args(args) -> Settings:
    return Settings.resolve({field: getattr(args, field, None) for field in _ENVIRONMENT})
