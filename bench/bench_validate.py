"""Validation speed on a 10-million-session warehouse: suite raw (the day's load) and suite marts.

    .venv/bin/python bench/bench_validate.py [--sessions 10000000] [--load-rows 30000] [--keep DIR]

Builds, with DuckDB SQL only, a warehouse whose raw layer holds N sessions and N payments
(plus users, vehicles, slots, zones), of which one run id marks the latest load (~30k sessions
and payments, 1 % of them dirty), and marts of a realistic size (300k vehicles, 2,000 slots,
a year of daily revenue). Then it times `validate_warehouse` for each suite, with Data Docs,
in one fresh process (the first call pays the Great Expectations import), and prints seconds.
Target (issue 6): raw + marts < 30 s. Results: bench/results/validate.md.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

LATEST, OLD = "run-latest", "run-old"
TARGET_SECONDS = 30.0


def build(path: Path, sessions: int, load_rows: int) -> None:
    con = duckdb.connect(str(path))
    con.execute("set preserve_insertion_order = false")
    first_new = sessions - load_rows  # ids above this are the latest load
    vehicles, users, slots, zones = 300_000, 200_000, 2_000, 20
    con.execute(f"""
    create schema raw;
    create table raw.users_customuser as
    select range::bigint as id, null::varchar as last_login, '0' as is_superuser, '0' as is_staff,
           '1' as is_active, '2025-01-01 00:00:00' as date_joined,
           (case when range % 50 = 0 then 'staff' else 'user' end)::varchar as role,
           '2025-01-01 00:00:00' as updated_at,
           timestamptz '2026-03-08 02:00:00+00' as _loaded_at,
           (case when range > {users - 500} then '{LATEST}' else '{OLD}' end)::varchar as _run_id,
           null::timestamptz as _deleted_at
    from range(1, {users + 1});

    create table raw.backend_core_parkingzone as
    select range::bigint as id, 'Zone ' || range as name, '' as description, '2.50' as hourly_rate,
           '1' as is_active, '2025-01-01 00:00:00' as created_at, '2025-01-01 00:00:00' as updated_at,
           timestamptz '2026-01-01 02:00:00+00' as _loaded_at, '{OLD}' as _run_id,
           null::timestamptz as _deleted_at
    from range(1, {zones + 1});

    create table raw.backend_core_parkingslot as
    select range::bigint as id, 'S' || range as slot_number, 'regular' as slot_type, '0' as is_occupied,
           '1' as is_active, '2025-01-01 00:00:00' as created_at, '2025-01-01 00:00:00' as updated_at,
           (1 + range % {zones})::varchar as zone_id,
           timestamptz '2026-01-01 02:00:00+00' as _loaded_at, '{OLD}' as _run_id,
           null::timestamptz as _deleted_at
    from range(1, {slots + 1});

    create table raw.backend_core_vehicle as
    select range::bigint as id, 'B-' || range as vehicle_number, 'car' as vehicle_type,
           '2025-01-01 00:00:00' as created_at, '2025-01-01 00:00:00' as updated_at,
           (1 + range % {users})::varchar as owner_id,
           timestamptz '2026-03-08 02:00:00+00' as _loaded_at,
           (case when range > {vehicles - 1000} then '{LATEST}' else '{OLD}' end)::varchar as _run_id,
           null::timestamptz as _deleted_at
    from range(1, {vehicles + 1});

    create table raw.backend_core_parkingsession as
    select range::bigint as id,
           strftime(timestamp '2023-01-01' + to_seconds(range * 8), '%Y-%m-%d %H:%M:%S') as entry_time,
           (case when range % 100 = 7 and range > {first_new} then 'not a time'
                 else strftime(timestamp '2023-01-01' + to_seconds(range * 8 + 3600), '%Y-%m-%d %H:%M:%S')
            end)::varchar as exit_time,
           (case when range % 100 = 3 and range > {first_new} then 'Done' else 'completed' end)::varchar as status,
           (case when range % 100 = 5 and range > {first_new} then '-4.00' else '5.00' end)::varchar as amount,
           strftime(timestamp '2023-01-01' + to_seconds(range * 8), '%Y-%m-%d %H:%M:%S') as created_at,
           strftime(timestamp '2023-01-01' + to_seconds(range * 8 + 3600), '%Y-%m-%d %H:%M:%S') as updated_at,
           (1 + range % {slots})::varchar as slot_id, (1 + range % {vehicles})::varchar as vehicle_id,
           timestamptz '2026-03-08 02:00:00+00' as _loaded_at,
           (case when range > {first_new} then '{LATEST}' else '{OLD}' end)::varchar as _run_id,
           null::timestamptz as _deleted_at
    from range(1, {sessions + 1});

    create table raw.backend_core_payment as
    select range::bigint as id, '5.00' as amount,
           (case when range % 100 = 9 and range > {first_new} then 'Cash'
                 when range % 3 = 0 then 'online' else 'cash' end)::varchar as payment_method,
           'completed' as status, 'TX-' || range as transaction_id,
           strftime(timestamp '2023-01-01' + to_seconds(range * 8 + 3605), '%Y-%m-%d %H:%M:%S') as paid_at,
           strftime(timestamp '2023-01-01' + to_seconds(range * 8 + 3605), '%Y-%m-%d %H:%M:%S') as created_at,
           strftime(timestamp '2023-01-01' + to_seconds(range * 8 + 3605), '%Y-%m-%d %H:%M:%S') as updated_at,
           range::varchar as session_id,
           timestamptz '2026-03-08 02:00:00+00' as _loaded_at,
           (case when range > {first_new} then '{LATEST}' else '{OLD}' end)::varchar as _run_id,
           null::timestamptz as _deleted_at
    from range(1, {sessions + 1});

    create table raw._load_history (run_id varchar, table_name varchar, mode varchar,
        window_from timestamptz, window_to timestamptz, rows_read bigint, rows_inserted bigint,
        rows_updated bigint, rows_deleted bigint, started_at timestamptz, finished_at timestamptz,
        duration_seconds double);
    insert into raw._load_history
    select run, t, mode, null, null, n, n, 0, 0, started, started + interval 1 minute, 60
    from (values
        ('{OLD}', 'full', timestamptz '2026-03-07 02:00:00+00', 'users_customuser', {users - 500}),
        ('{OLD}', 'full', timestamptz '2026-03-07 02:00:00+00', 'backend_core_parkingzone', {zones}),
        ('{OLD}', 'full', timestamptz '2026-03-07 02:00:00+00', 'backend_core_parkingslot', {slots}),
        ('{OLD}', 'full', timestamptz '2026-03-07 02:00:00+00', 'backend_core_vehicle', {vehicles - 1000}),
        ('{OLD}', 'full', timestamptz '2026-03-07 02:00:00+00', 'backend_core_parkingsession', {first_new}),
        ('{OLD}', 'full', timestamptz '2026-03-07 02:00:00+00', 'backend_core_payment', {first_new}),
        ('{LATEST}', 'incremental', timestamptz '2026-03-08 02:00:00+00', 'users_customuser', 500),
        ('{LATEST}', 'incremental', timestamptz '2026-03-08 02:00:00+00', 'backend_core_parkingzone', 0),
        ('{LATEST}', 'incremental', timestamptz '2026-03-08 02:00:00+00', 'backend_core_parkingslot', 0),
        ('{LATEST}', 'incremental', timestamptz '2026-03-08 02:00:00+00', 'backend_core_vehicle', 1000),
        ('{LATEST}', 'incremental', timestamptz '2026-03-08 02:00:00+00', 'backend_core_parkingsession', {load_rows}),
        ('{LATEST}', 'incremental', timestamptz '2026-03-08 02:00:00+00', 'backend_core_payment', {load_rows})
    ) t(run, mode, started, t, n);
    """)
    con.execute(f"""
    create schema marts;
    create table marts.dashboard_summary as
    select date '2026-03-08' as run_date, {slots}::bigint as total_slots, 1200::bigint as occupied_slots,
           {slots - 1200}::bigint as available_slots, 60.00::decimal(18,2) as occupancy_rate,
           1500::bigint as active_sessions, 10000::bigint as completed_sessions,
           50000.00::decimal(18,2) as revenue_today, 9000::bigint as users_today;
    create table marts.zone_occupancy as
    select range::bigint as zone_id, 'Zone ' || range as zone_name, 100::bigint as total_slots,
           60::bigint as occupied_slots, 40::bigint as available_slots,
           60.00::decimal(18,2) as occupancy_rate, 75::bigint as active_sessions
    from range(1, {zones + 1});
    create table marts.revenue_daily as
    select date '2026-03-08' - d::integer as revenue_date, z::bigint as zone_id, 'Zone ' || z as zone_name,
           m as payment_method, (case when m = 'cash' then 1500.00 else 1000.00 end)::decimal(18,2) as revenue,
           100::bigint as payment_count
    from range(365) a(d), range(1, {zones + 1}) b(z), (values ('cash'), ('online')) c(m);
    create table marts.peak_hours as select range::integer as hour, 1000::bigint as entries from range(24);
    create table marts.active_sessions as
    select range::bigint as session_id, 'B-' || range as vehicle_number, 'car' as vehicle_type,
           range::bigint as owner_id, (1 + range % {zones})::bigint as zone_id, 'Zone' as zone_name,
           (1 + range % {slots})::bigint as slot_id, 'S' as slot_number,
           timestamptz '2026-03-08 20:00:00+00' as entry_time, 4.00::decimal(18,2) as duration_hours
    from range(1, 1501);
    create table marts.completed_sessions as
    select range::bigint as session_id, 2.00::decimal(18,2) as duration_hours,
           5.00::decimal(18,2) as amount, 'completed' as payment_status from range(1, 101);
    create table marts.vehicle_analytics as
    select range::bigint as vehicle_id, 'B-' || range as vehicle_number, 30::bigint as total_visits,
           150.00::decimal(18,2) as total_expenses, 5.00::decimal(18,2) as average_session_cost
    from range(1, {vehicles + 1});
    create table marts.payment_analytics as
    select date '2026-03-08' as run_date, sum(revenue)::decimal(18,2) as total_revenue,
           sum(payment_count)::bigint as transaction_count, 25.00::decimal(18,2) as average_payment
    from marts.revenue_daily;
    create table marts.payment_by_method as
    select payment_method, sum(revenue)::decimal(18,2) as amount, sum(payment_count)::bigint as count
    from marts.revenue_daily group by payment_method;
    create table marts.payment_by_status as
    select 'completed' as status, sum(payment_count)::bigint as count, sum(revenue)::decimal(18,2) as amount
    from marts.revenue_daily;
    create table marts.recent_transactions as
    select range::bigint as payment_id, 5.00::decimal(18,2) as amount from range(1, 11);
    create table marts.slot_usage as
    select range::bigint as slot_id, 500::bigint as total_sessions, 2500.00::decimal(18,2) as revenue,
           range::integer as usage_rank
    from range(1, {slots + 1});
    create table marts.system_metrics as
    select date '2026-03-08' - d::integer as run_date, {slots}::bigint as total_slots, 1200::bigint as occupied_slots,
           60.00::decimal(18,2) as occupancy_rate,
           (case when d = 0 then 50000.00 else 40000.00 end)::decimal(18,2) as daily_revenue,
           'warning' as occupancy_status
    from range(365) t(d);
    update marts.revenue_daily set revenue = 50000.00 / {zones * 2}
    where revenue_date = date '2026-03-08';
    create or replace table marts.payment_analytics as
    select date '2026-03-08' as run_date, sum(revenue)::decimal(18,2) as total_revenue,
           sum(payment_count)::bigint as transaction_count, 25.00::decimal(18,2) as average_payment
    from marts.revenue_daily;
    create or replace table marts.payment_by_method as
    select payment_method, sum(revenue)::decimal(18,2) as amount, sum(payment_count)::bigint as count
    from marts.revenue_daily group by payment_method;
    create table marts.row_reconciliation as
    select table_name, n::bigint as rows_extracted, (n - q)::bigint as rows_trusted, q::bigint as rows_quarantined
    from (values ('users_customuser', {users}, 0), ('backend_core_parkingzone', {zones}, 0),
                 ('backend_core_parkingslot', {slots}, 0), ('backend_core_vehicle', {vehicles}, 0),
                 ('backend_core_parkingsession', {sessions}, 1200),
                 ('backend_core_payment', {sessions}, 300)) t(table_name, n, q);
    create table marts.quarantine_summary as
    select * from (values ('backend_core_parkingsession', 'unknown enumerated value', 300::bigint),
                          ('backend_core_parkingsession', 'negative amount', 300::bigint),
                          ('backend_core_parkingsession', 'unparseable value', 600::bigint),
                          ('backend_core_payment', 'unknown enumerated value', 300::bigint))
        t(table_name, reason, row_count);
    """)
    con.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=10_000_000)
    parser.add_argument("--load-rows", type=int, default=30_000)
    parser.add_argument(
        "--keep", type=Path, default=None, help="build (or reuse) the warehouse in DIR"
    )
    args, _ = parser.parse_known_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench_validate_"))
    folder.mkdir(parents=True, exist_ok=True)
    warehouse = folder / "warehouse.duckdb"
    try:
        if not warehouse.exists():
            clock = time.perf_counter()
            build(warehouse, args.sessions, args.load_rows)
            print(
                f"built {args.sessions:,} sessions ({args.load_rows:,} in the latest load) "
                f"in {time.perf_counter() - clock:.1f} s"
            )

        clock = time.perf_counter()
        import great_expectations  # noqa: F401  (timed on its own: a one-off per process)

        from expectations import DataQualityError, validate_warehouse

        imported = time.perf_counter() - clock
        times = {}
        for suite in ("raw", "marts"):
            clock = time.perf_counter()
            try:
                report = validate_warehouse(
                    warehouse, suite=suite, run_id=LATEST, data_docs_dir=folder / "data_docs"
                )
            except DataQualityError as error:
                report = error.report
            times[suite] = time.perf_counter() - clock
            print(f"{report.summary()}  [{times[suite]:.2f} s wall]")
        total = imported + sum(times.values())
        print(f"import great_expectations: {imported:.2f} s")
        print(
            f"validate raw (day's rows) + marts: {sum(times.values()):.2f} s; "
            f"with the import: {total:.2f} s (target < {TARGET_SECONDS:.0f} s: "
            f"{'ok' if total < TARGET_SECONDS else 'MISSED'})"
        )
        return 0 if total < TARGET_SECONDS else 1
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
