"""`parking-warehouse`: one entry point, one sub-command per pipeline step.

Each sub-command calls the same function the Airflow task calls; nothing is implemented here.
"""

from __future__ import annotations

import argparse
import errno
import os
import sys
from datetime import date
from pathlib import Path

from parking_warehouse.config import add_settings_flags, settings_from_args
from parking_warehouse.errors import ParkingWarehouseError


def _iso_date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in the form YYYY-MM-DD") from None


def _cmd_generate(args) -> None:
    from parking_warehouse.generator import append_days, generate_database

    settings = settings_from_args(args)
    if args.append_days:
        # The database remembers its time zone; only an explicitly given one is checked against it.
        explicit_timezone = args.timezone or os.environ.get("PARKING_TIMEZONE")
        summary = append_days(
            Path(args.db), days=args.append_days, seed=args.seed, dirty_rate=args.dirty_rate,
            timezone=explicit_timezone,
        )
    else:
        if args.days is None or args.end_date is None:
            raise ParkingWarehouseError("generate needs --days N and --end-date YYYY-MM-DD (or --append-days N)")
        summary = generate_database(
            Path(args.db), days=args.days, end_date=args.end_date, zones=args.zones,
            slots_per_zone=args.slots_per_zone, seed=args.seed, dirty_rate=args.dirty_rate,
            timezone=settings.timezone,
        )
    print(summary)


def _cmd_extract(args) -> None:
    from extract import extract_to_raw, format_load_report

    settings = settings_from_args(args)
    loads = extract_to_raw(
        settings.require_source(), settings.warehouse, full_refresh=args.full_refresh,
        lookback_minutes=args.lookback_minutes,
    )
    print(format_load_report(loads))


def _cmd_build(args) -> None:
    from parking_warehouse.spark_engine import spark_options
    from parking_warehouse.transform import build_models

    settings = settings_from_args(args)
    print(build_models(settings.warehouse, run_date=args.date, timezone=settings.timezone,
                       full_refresh=args.full_refresh, spark=spark_options(settings)))


def _cmd_validate(args) -> None:
    from expectations import validate_warehouse

    settings = settings_from_args(args)
    print(validate_warehouse(settings.warehouse, suite=args.suite, run_id=args.run_id,
                             data_docs_dir=settings.reports_dir / "data_docs"))


def _cmd_run(args) -> None:
    from parking_warehouse.pipeline import run_daily

    print(run_daily(settings_from_args(args), run_date=args.date))


def _cmd_rollback(args) -> None:
    from parking_warehouse.publish import rollback

    print(rollback(settings_from_args(args).warehouse, steps=args.steps))


def _cmd_check(args) -> None:
    from parking_warehouse.reports.health import check_published_file

    print(check_published_file(settings_from_args(args).warehouse))


def _cmd_report(args) -> None:
    from parking_warehouse.reports import generate_custom_report

    print(generate_custom_report(settings_from_args(args), report_type=args.type,
                                 date_from=args.date_from, date_to=args.date_to,
                                 generated_by=args.generated_by))


def _cmd_export(args) -> None:
    from parking_warehouse.reports.export import export_parquet

    settings = settings_from_args(args)
    print(export_parquet(settings.warehouse, Path(args.out) if args.out else settings.reports_dir / "parquet"))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="parking-warehouse", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser("generate", help="write a realistic operational SQLite database")
    generate.add_argument("--db", required=True, help="SQLite file to write (or extend with --append-days)")
    generate.add_argument("--days", type=int, help="days of operation to generate")
    generate.add_argument("--end-date", type=_iso_date, help="last local day of operation (YYYY-MM-DD)")
    generate.add_argument("--zones", type=int, default=6)
    generate.add_argument("--slots-per-zone", type=int, default=40)
    generate.add_argument("--seed", type=int, default=42)
    generate.add_argument("--dirty-rate", type=float, default=0.0,
                          help="share of rows of each untrusted kind to plant (default 0: clean)")
    generate.add_argument("--append-days", type=int, default=0,
                          help="advance an existing database by N days, as the live system would")
    add_settings_flags(generate, fields=("timezone",))
    generate.set_defaults(handler=_cmd_generate)

    extract = commands.add_parser("extract", help="load the operational database into the raw layer")
    add_settings_flags(extract, fields=("source", "warehouse"))
    extract.add_argument("--full-refresh", action="store_true",
                         help="re-read every table completely and mark rows deleted in the source")
    extract.add_argument("--lookback-minutes", type=int, default=None,
                         help="re-read rows this far behind the high-water mark (late commits)")
    extract.set_defaults(handler=_cmd_extract)

    build = commands.add_parser("build", help="dbt build of staging, core and marts for run date D")
    build.add_argument("--date", type=_iso_date, required=True, help="operator-local run date D")
    build.add_argument("--full-refresh", action="store_true", help="rebuild incremental models from scratch")
    add_settings_flags(build, fields=("timezone", "warehouse", "engine"))
    build.set_defaults(handler=_cmd_build)

    validate = commands.add_parser("validate", help="run a Great Expectations suite against the warehouse")
    validate.add_argument("--suite", choices=("raw", "marts"), required=True)
    validate.add_argument("--run-id", default=None, help="run id to record (default: a new one)")
    add_settings_flags(validate, fields=("warehouse", "reports_dir"))
    validate.set_defaults(handler=_cmd_validate)

    run = commands.add_parser("run", help="the whole daily pipeline for D, without Airflow")
    run.add_argument("--date", type=_iso_date, required=True, help="operator-local run date D")
    add_settings_flags(run, fields=("timezone", "source", "warehouse", "reports_dir", "engine"))
    run.set_defaults(handler=_cmd_run)

    rollback = commands.add_parser("rollback", help="put back an earlier published warehouse")
    rollback.add_argument("--steps", type=int, default=1, help="how many publications to go back")
    add_settings_flags(rollback, fields=("warehouse",))
    rollback.set_defaults(handler=_cmd_rollback)

    check = commands.add_parser("check", help="verify the published warehouse against its recorded checksum")
    add_settings_flags(check, fields=("warehouse",))
    check.set_defaults(handler=_cmd_check)

    report = commands.add_parser("report", help="generate a custom/weekly/monthly analytics report (admins)")
    report.add_argument("--type", choices=("custom", "weekly", "monthly", "daily"), default="custom")
    report.add_argument("--from", dest="date_from", type=_iso_date, required=True)
    report.add_argument("--to", dest="date_to", type=_iso_date, required=True)
    report.add_argument("--generated-by", type=int, required=True, help="id of the admin user asking")
    add_settings_flags(report, fields=("timezone", "warehouse", "reports_dir"))
    report.set_defaults(handler=_cmd_report)

    export = commands.add_parser("export-parquet", help="write the marts as Parquet files for BI tools")
    export.add_argument("--out", default=None, help="folder (default REPORTS_DIR/parquet)")
    add_settings_flags(export, fields=("warehouse", "reports_dir"))
    export.set_defaults(handler=_cmd_export)

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except ParkingWarehouseError as error:
        print(f"parking-warehouse {args.command}: error: {error}", file=sys.stderr)
        return 1
    except Exception as error:
        if not _is_disk_full(error):
            raise
        print(f"parking-warehouse {args.command}: error: disk full: {error}. Nothing was published; "
              "free space on that file system and run again", file=sys.stderr)
        return 1
    return 0


def _is_disk_full(error: BaseException) -> bool:
    """ENOSPC however it surfaces: an OSError, or DuckDB's or dbt's message about a write."""
    while error is not None:
        if getattr(error, "errno", None) == errno.ENOSPC or "No space left on device" in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


if __name__ == "__main__":
    sys.exit(main())
