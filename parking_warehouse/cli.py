"""`parking-warehouse`: one entry point, one sub-command per pipeline step.

Each sub-command calls the same function the Airflow task calls; nothing is implemented here.
"""

from __future__ import annotations

import argparse
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
        summary = append_days(
            Path(args.db), days=args.append_days, seed=args.seed, dirty_rate=args.dirty_rate,
            timezone=settings.timezone,
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

    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.handler(args)
    except ParkingWarehouseError as error:
        print(f"parking-warehouse {args.command}: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
