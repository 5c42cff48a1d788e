"""Data-quality gates (expectations/): each class of planted problem fails the right expectation
with the right severity, is recorded in audit.dq_results, and only blocking failures raise.

The warehouses here are real DuckDB files whose raw and marts tables are written with SQL, shaped
as docs/architecture.md and the dbt models define them; test_expectations_e2e.py validates a
warehouse really built by extract and dbt. Each module-scoped fixture validates once and
several tests read its result (a validation costs a few seconds of Great Expectations).
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from expectations import DataQualityError, ValidationReport, validate_warehouse
from expectations.suite_files import load_suite_file
from expectations.thresholds import resolve_thresholds
from parking_warehouse.errors import ParkingWarehouseError

RAW_SQL = """
create schema raw;
create table raw.users_customuser (id bigint, last_login varchar, is_superuser varchar,
    is_staff varchar, is_active varchar, date_joined varchar, role varchar, updated_at varchar,
    _loaded_at timestamptz, _run_id varchar, _deleted_at timestamptz);
create table raw.backend_core_parkingzone (id bigint, name varchar, description varchar,
    hourly_rate varchar, is_active varchar, created_at varchar, updated_at varchar,
    _loaded_at timestamptz, _run_id varchar, _deleted_at timestamptz);
create table raw.backend_core_parkingslot (id bigint, slot_number varchar, slot_type varchar,
    is_occupied varchar, is_active varchar, created_at varchar, updated_at varchar, zone_id varchar,
    _loaded_at timestamptz, _run_id varchar, _deleted_at timestamptz);
create table raw.backend_core_vehicle (id bigint, vehicle_number varchar, vehicle_type varchar,
    created_at varchar, updated_at varchar, owner_id varchar,
    _loaded_at timestamptz, _run_id varchar, _deleted_at timestamptz);
create table raw.backend_core_parkingsession (id bigint, entry_time varchar, exit_time varchar,
    status varchar, amount varchar, created_at varchar, updated_at varchar, slot_id varchar,
    vehicle_id varchar, _loaded_at timestamptz, _run_id varchar, _deleted_at timestamptz);
create table raw.backend_core_payment (id bigint, amount varchar, payment_method varchar,
    status varchar, transaction_id varchar, paid_at varchar, created_at varchar, updated_at varchar,
    session_id varchar, _loaded_at timestamptz, _run_id varchar, _deleted_at timestamptz);
create table raw._load_history (run_id varchar, table_name varchar, mode varchar,
    window_from timestamptz, window_to timestamptz, rows_read bigint, rows_inserted bigint,
    rows_updated bigint, rows_deleted bigint, started_at timestamptz, finished_at timestamptz,
    duration_seconds double);

-- run r1 (2026-03-01): the first, full load; run r2 (2026-03-08): 150 sessions, 120 payments
insert into raw.users_customuser select range, null, '0', '0', '1', '2026-01-01 00:00:00',
    'user', '2026-01-01 00:00:00', '2026-03-01 02:00:00+00', 'r1', null from range(1, 4);
insert into raw.backend_core_parkingzone select range, 'Z' || range, '', '2.50', '1',
    '2026-01-01 00:00:00', '2026-01-01 00:00:00', '2026-03-01 02:00:00+00', 'r1', null
    from range(1, 3);
insert into raw.backend_core_parkingslot select range, 'S' || range, 'regular', '0', '1',
    '2026-01-01 00:00:00', '2026-01-01 00:00:00', (1 + range % 2)::varchar,
    '2026-03-01 02:00:00+00', 'r1', null from range(1, 5);
insert into raw.backend_core_vehicle select range, 'B-' || range, 'car', '2026-01-01 00:00:00',
    '2026-01-01 00:00:00', range::varchar, '2026-03-01 02:00:00+00', 'r1', null from range(1, 4);
insert into raw.backend_core_parkingsession select range, '2026-03-07 09:00:00',
    '2026-03-07 11:00:00.250000', 'completed', '5.00', '2026-03-07 09:00:00',
    '2026-03-07 11:00:00', (1 + range % 4)::varchar, (1 + range % 3)::varchar,
    '2026-03-08 02:00:00+00', 'r2', null from range(1, 151);
insert into raw.backend_core_payment select range, '5.00', 'cash', 'completed', 'TX-' || range,
    '2026-03-07 11:00:05', '2026-03-07 11:00:05', '2026-03-07 11:00:05', range::varchar,
    '2026-03-08 02:00:00+00', 'r2', null from range(1, 121);
insert into raw._load_history
    select 'r1', table_name, 'full', null, '2026-03-01 00:00:00+00', n, n, 0, 0,
        '2026-03-01 02:00:00+00', '2026-03-01 02:00:01+00', 1.0
    from (values ('users_customuser', 3), ('backend_core_parkingzone', 2),
                 ('backend_core_parkingslot', 4), ('backend_core_vehicle', 3),
                 ('backend_core_parkingsession', 0), ('backend_core_payment', 0)) t(table_name, n);
insert into raw._load_history
    select 'r2', table_name, 'incremental', '2026-03-01 00:00:00+00', '2026-03-08 00:00:00+00',
        n, n, 0, 0, '2026-03-08 02:00:00+00', '2026-03-08 02:00:01+00', 1.0
    from (values ('users_customuser', 0), ('backend_core_parkingzone', 0),
                 ('backend_core_parkingslot', 0), ('backend_core_vehicle', 0),
                 ('backend_core_parkingsession', 150), ('backend_core_payment', 120)) t(table_name, n);
"""

# Marts for D = 2026-03-08 that agree with each other: 4 counted slots in 2 zones, 2 occupied;
# revenue 10.00 on D-1 and 15.00 on D, 25.00 in all.
MARTS_SQL = """
create schema marts;
create table marts.dashboard_summary as select date '2026-03-08' as run_date,
    timestamptz '2026-03-09 00:00:00+00' as as_of, 'UTC' as timezone, 4::bigint as total_slots,
    2::bigint as occupied_slots, 2::bigint as available_slots, 50.00::decimal(18,2) as occupancy_rate,
    2::bigint as active_sessions, 3::bigint as completed_sessions,
    15.00::decimal(18,2) as revenue_today, 3::bigint as users_today;
create table marts.zone_occupancy as select * from (values
    (1::bigint, 'Z1', 2::bigint, 1::bigint, 1::bigint, 50.00::decimal(18,2), 1::bigint),
    (2::bigint, 'Z2', 2::bigint, 1::bigint, 1::bigint, 50.00::decimal(18,2), 1::bigint))
    t(zone_id, zone_name, total_slots, occupied_slots, available_slots, occupancy_rate, active_sessions);
create table marts.revenue_daily as select * from (values
    (date '2026-03-07', 1::bigint, 'Z1', 'cash', 10.00::decimal(18,2), 2::bigint),
    (date '2026-03-08', 1::bigint, 'Z1', 'cash', 10.00::decimal(18,2), 2::bigint),
    (date '2026-03-08', 2::bigint, 'Z2', 'online', 5.00::decimal(18,2), 1::bigint))
    t(revenue_date, zone_id, zone_name, payment_method, revenue, payment_count);
create table marts.peak_hours as select range::integer as hour, (range % 3)::bigint as entries
    from range(24);
create table marts.active_sessions as select * from (values
    (11::bigint, 'B-1', 'car', 1::bigint, 1::bigint, 'Z1', 1::bigint, 'S1',
     timestamptz '2026-03-08 20:00:00+00', 4.00::decimal(18,2)),
    (12::bigint, 'B-2', 'car', 2::bigint, 2::bigint, 'Z2', 3::bigint, 'S3',
     timestamptz '2026-03-08 22:00:00+00', 2.00::decimal(18,2)))
    t(session_id, vehicle_number, vehicle_type, owner_id, zone_id, zone_name, slot_id, slot_number,
      entry_time, duration_hours);
create table marts.completed_sessions as select range::bigint as session_id,
    'B-' || range as vehicle_number, range::bigint as owner_id, 'Z1' as zone_name,
    'S1' as slot_number, timestamptz '2026-03-08 09:00:00+00' as entry_time,
    timestamptz '2026-03-08 11:00:00+00' as exit_time, 2.00::decimal(18,2) as duration_hours,
    5.00::decimal(18,2) as amount, 'completed' as payment_status, 'cash' as payment_method
    from range(1, 4);
create table marts.vehicle_analytics as select range::bigint as vehicle_id,
    'B-' || range as vehicle_number, 'car' as vehicle_type, range::bigint as owner_id,
    2::bigint as total_visits, 5.00::decimal(18,2) as total_expenses from range(1, 4);
create table marts.payment_analytics as select date '2026-03-08' as run_date,
    25.00::decimal(18,2) as total_revenue, 5::bigint as transaction_count,
    5.00::decimal(18,2) as average_payment;
create table marts.payment_by_method as select * from (values
    ('cash', 20.00::decimal(18,2), 4::bigint), ('online', 5.00::decimal(18,2), 1::bigint))
    t(payment_method, amount, count);
create table marts.payment_by_status as select * from (values
    ('completed', 5::bigint, 25.00::decimal(18,2)), ('pending', 1::bigint, 5.00::decimal(18,2)))
    t(status, count, amount);
create table marts.recent_transactions as select range::bigint as payment_id,
    range::bigint as session_id, 'B-1' as vehicle_number, 5.00::decimal(18,2) as amount,
    'cash' as payment_method, 'completed' as status from range(1, 6);
create table marts.slot_usage as select range::bigint as slot_id, 'S' || range as slot_number,
    (1 + (range - 1) // 2)::bigint as zone_id, 'regular' as slot_type,
    (5 - range)::bigint as total_sessions, (5.00 * (5 - range))::decimal(18,2) as revenue,
    range in (1, 3) as is_occupied, range::integer as usage_rank from range(1, 5);
create table marts.system_metrics as select * from (values
    (date '2026-03-07', 4::bigint, 1::bigint, 3::bigint, 25.00::decimal(18,2),
     10.00::decimal(18,2), 1::bigint, 'normal'),
    (date '2026-03-08', 4::bigint, 2::bigint, 2::bigint, 50.00::decimal(18,2),
     15.00::decimal(18,2), 2::bigint, 'warning'))
    t(run_date, total_slots, occupied_slots, available_slots, occupancy_rate, daily_revenue,
      active_sessions, occupancy_status);
create table marts.row_reconciliation as select * from (values
    ('backend_core_parkingsession', 150::bigint, 148::bigint, 2::bigint),
    ('backend_core_parkingslot', 4::bigint, 4::bigint, 0::bigint),
    ('backend_core_parkingzone', 2::bigint, 2::bigint, 0::bigint),
    ('backend_core_payment', 120::bigint, 120::bigint, 0::bigint),
    ('backend_core_vehicle', 3::bigint, 3::bigint, 0::bigint),
    ('users_customuser', 3::bigint, 3::bigint, 0::bigint))
    t(table_name, rows_extracted, rows_trusted, rows_quarantined);
create table marts.quarantine_summary as select * from (values
    ('backend_core_parkingsession', 'negative amount', 2::bigint)) t(table_name, reason, row_count);
create table marts.zone_day_kpis as select * from (values
    (date '2026-03-08', 1::bigint, 75.00::decimal(18,2)), (date '2026-03-08', null, 50.00::decimal(18,2)))
    t(kpi_date, zone_id, peak_occupancy_rate);
create table marts.weekday_hour_occupancy as select w::bigint as weekday, h::integer as hour,
    4::bigint as instants, 10.00::decimal(18,2) as avg_occupancy_rate
    from range(1, 8) a(w), range(24) b(h);
create table marts.visitors as select 3::bigint as vehicles, 1::bigint as new_vehicles,
    2::bigint as returning_vehicles, 0::bigint as frequent_vehicles;
"""


def make_warehouse(path, *plants: str):
    con = duckdb.connect(str(path))
    con.execute(RAW_SQL)
    con.execute(MARTS_SQL)
    for sql in plants:
        con.execute(sql)
    con.close()
    return path


@dataclass(frozen=True)
class Validated:
    path: Path
    report: ValidationReport
    error: DataQualityError | None


def validate_catching(path, **kwargs) -> Validated:
    try:
        return Validated(path, validate_warehouse(path, **kwargs), None)
    except DataQualityError as error:
        return Validated(path, error.report, error)


def outcomes(report: ValidationReport, expectation: str, column: str, *, failed: bool):
    return [
        o
        for o in report.outcomes
        if o.expectation == expectation and o.column == column and o.success is not failed
    ]


def audit_rows(path, run_id: str, suite: str) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        frame = con.execute(
            "select * from audit.dq_results where run_id = ? and suite = ? order by all",
            [run_id, suite],
        ).df()
    finally:
        con.close()
    return frame.to_dict("records")


def failed_in_audit(rows, expectation: str, column: str) -> set[str]:
    """The severities of the failed audit rows of one expectation on one column."""
    return {
        r["severity"]
        for r in rows
        if r["expectation"] == expectation and r["column_name"] == column and not r["success"]
    }


# --------------------------------------------------------------------------- raw suite


@pytest.fixture(scope="module")
def clean_warehouse(tmp_path_factory):
    return make_warehouse(tmp_path_factory.mktemp("clean") / "warehouse.duckdb")


@pytest.fixture(scope="module")
def clean_raw(clean_warehouse, tmp_path_factory):
    docs = tmp_path_factory.mktemp("docs")
    report = validate_warehouse(clean_warehouse, suite="raw", data_docs_dir=docs)
    return report, docs


def test_clean_raw_load_passes_and_records_every_expectation(clean_raw, clean_warehouse):
    report = clean_raw[0]
    assert report.status == "ok", str(report)
    assert report.run_id == "r2"  # default: the newest load in raw._load_history
    assert len(report.outcomes) == len(load_suite_file("raw").expectations) > 100
    rows = audit_rows(clean_warehouse, "r2", "raw")
    assert len(rows) == len(report.outcomes)
    assert all(r["success"] for r in rows)
    assert {r["severity"] for r in rows} == {"blocking", "warning"}


def test_validation_renders_data_docs_per_suite(clean_raw):
    report, docs = clean_raw
    assert report.data_docs == docs / "raw" / "index.html"
    assert report.data_docs.is_file()
    assert list((docs / "raw" / "validations").rglob("*.html"))
    assert 'href="raw/index.html"' in (docs / "index.html").read_text()


@pytest.fixture(scope="module")
def broken_raw(tmp_path_factory):
    path = make_warehouse(
        tmp_path_factory.mktemp("broken_raw") / "warehouse.duckdb",
        # a duplicated key: payment 7 written again by this load, its old copy left in place
        "insert into raw.backend_core_payment select * replace ('r1' as _run_id) "
        "from raw.backend_core_payment where id = 7",
        # a negative amount: one session of 150, quarantined later, so only a warning
        "update raw.backend_core_parkingsession set amount = '-3.00' where id = 9",
        # an unknown status on 21 of 150 sessions (14 %), above the 5 % a load may carry
        "update raw.backend_core_parkingsession set status = 'Done' where id between 20 and 40",
        # a collapsed row count: a full refresh of vehicles finds 1 of the 3 it had
        "update raw.backend_core_vehicle set _deleted_at = '2026-03-08 02:00:00+00', _run_id = 'r2' "
        "where id > 1",
        "update raw._load_history set mode = 'full', rows_read = 1, rows_deleted = 2 "
        "where run_id = 'r2' and table_name = 'backend_core_vehicle'",
    )
    return validate_catching(path, suite="raw", run_id="r2")


def test_duplicated_key_in_raw_blocks(broken_raw):
    [failure] = outcomes(broken_raw.report, "expect_column_values_to_be_unique", "id", failed=True)
    assert failure.severity == "blocking"
    assert failure.table == "raw.backend_core_payment"
    assert (
        failure.observed_value == "2 of 121 rows unexpected (1.65 %)"
    )  # of every row sharing an id
    assert {row["id"] for row in failure.offending_rows} == {7}
    assert {row["_run_id"] for row in failure.offending_rows} == {"r1", "r2"}
    assert failed_in_audit(
        audit_rows(broken_raw.path, "r2", "raw"), "expect_column_values_to_be_unique", "id"
    ) == {"blocking"}


def test_negative_amount_in_raw_is_a_warning(broken_raw):
    [warning] = outcomes(
        broken_raw.report, "expect_column_values_to_be_between", "amount__num", failed=True
    )
    assert warning.severity == "warning"
    assert warning.table == "raw.backend_core_parkingsession"
    assert warning.offending_rows == ({"id": 9, "amount__num": -3.0, "amount": "-3.00"},)
    assert warning in broken_raw.report.warnings
    assert failed_in_audit(
        audit_rows(broken_raw.path, "r2", "raw"),
        "expect_column_values_to_be_between",
        "amount__num",
    ) == {"warning"}
    assert "amount__num" not in str(broken_raw.error)  # a warning is not part of the blocking error


def test_unknown_value_share_above_threshold_blocks(broken_raw):
    failed = outcomes(broken_raw.report, "expect_column_values_to_be_in_set", "status", failed=True)
    assert {o.severity for o in failed} == {"warning", "blocking"}
    blocking = next(o for o in failed if o.severity == "blocking")
    assert blocking.observed_value.startswith("21 of 150 rows unexpected (14.00 %)")
    assert blocking.offending_rows[0] == {"id": 20, "status": "Done"}


def test_collapsed_row_count_blocks(broken_raw):
    [failure] = outcomes(
        broken_raw.report, "expect_column_values_to_be_between", "row_count_drop_share", failed=True
    )
    assert failure.severity == "blocking"
    assert failure.offending_rows == (
        {
            "table_name": "backend_core_vehicle",
            "row_count_drop_share": pytest.approx(2 / 3),
            "live_rows_before": 3,
            "live_rows_after": 1,
        },
    )
    assert failed_in_audit(
        audit_rows(broken_raw.path, "r2", "raw"),
        "expect_column_values_to_be_between",
        "row_count_drop_share",
    ) == {"blocking"}


def test_blocking_error_names_suite_expectation_observed_value_and_rows(broken_raw):
    assert isinstance(broken_raw.error, ParkingWarehouseError)
    message = str(broken_raw.error)
    assert "\n" not in message
    assert message.startswith("data-quality suite 'raw' (run r2) failed 3 blocking expectation(s)")
    assert (
        "expect_column_values_to_be_unique(id) on raw.backend_core_payment: "
        "observed 2 of 121 rows unexpected (1.65 %); offending rows: {id=7, _run_id="
    ) in message
    assert "expect_column_values_to_be_in_set(status) on raw.backend_core_parkingsession" in message
    assert "{id=20, status='Done'}" in message
    assert "{table_name='backend_core_vehicle', row_count_drop_share=0.666" in message
    assert broken_raw.report.status == "failed"


def test_warnings_alone_do_not_raise(tmp_path):
    path = make_warehouse(
        tmp_path / "warehouse.duckdb",
        "update raw.backend_core_parkingsession set amount = '-3.00' where id = 9",
        "update raw.backend_core_parkingsession set entry_time = '2027-01-01 00:00:00' where id = 10",
        "update raw.backend_core_parkingsession set exit_time = 'yesterday' where id = 11",
        "update raw.backend_core_payment set payment_method = 'Cash' where id = 12",
    )
    report = validate_warehouse(path, suite="raw", run_id="r2")
    assert report.status == "warning"
    assert sorted((o.table, o.column) for o in report.warnings) == [
        ("raw.backend_core_parkingsession", "_loaded_at__utc, entry_time__at"),
        ("raw.backend_core_parkingsession", "amount__num"),
        ("raw.backend_core_parkingsession", "exit_time"),
        ("raw.backend_core_payment", "payment_method"),
    ]
    assert not report.failures
    # the same rows block once the threshold says no untrusted row is tolerated
    with pytest.raises(DataQualityError) as raised:
        validate_warehouse(
            path, suite="raw", run_id="r2", thresholds={"max_untrusted_share_in_load": 0}
        )
    assert len(raised.value.report.failures) == 4
    rows = audit_rows(path, "r2", "raw")
    assert sum(not r["success"] for r in rows) == 8  # re-validating r2 replaced its rows


def test_unknown_run_id_is_a_user_error(clean_warehouse):
    with pytest.raises(ParkingWarehouseError, match="no load with run id 'nope'"):
        validate_warehouse(clean_warehouse, suite="raw", run_id="nope")


# --------------------------------------------------------------------------- marts suite


def test_clean_marts_pass(clean_warehouse):
    report = validate_warehouse(clean_warehouse, suite="marts", run_id="r2")
    assert report.status == "ok", str(report)
    rows = audit_rows(clean_warehouse, "r2", "marts")
    assert len(rows) == len(report.outcomes) > 40
    reconciliation = next(r for r in rows if r["column_name"] == "abs_difference")
    assert json.loads(reconciliation["details"])["rows"] == 11  # 5 totals + 6 tables


@pytest.fixture(scope="module")
def broken_marts(tmp_path_factory):
    path = make_warehouse(
        tmp_path_factory.mktemp("broken_marts") / "warehouse.duckdb",
        # an occupied count above the total
        "update marts.dashboard_summary set occupied_slots = 5",
        # 20 of 150 sessions (13 %) quarantined, above the 5 % threshold; summary agrees
        "update marts.row_reconciliation set rows_trusted = 130, rows_quarantined = 20 "
        "where table_name = 'backend_core_parkingsession'",
        "update marts.quarantine_summary set row_count = 20",
        # extracted != trusted + quarantined for payments
        "update marts.row_reconciliation set rows_trusted = 118 where table_name = 'backend_core_payment'",
        # revenue by method no longer adds up to the total
        "update marts.payment_by_method set amount = 21.00 where payment_method = 'cash'",
        # a negative revenue
        "update marts.slot_usage set revenue = -1.00 where slot_id = 4",
        # an active session on a slot that is not counted (deactivated): a warning
        "update marts.active_sessions set slot_id = 9 where session_id = 12",
    )
    return validate_catching(path, suite="marts", run_id="run-7")


@pytest.mark.parametrize(
    ("expectation", "column", "offending"),
    [
        (
            "expect_column_pair_values_a_to_be_greater_than_b",
            "total_slots, occupied_slots",
            {"total_slots": 4, "occupied_slots": 5},
        ),
        (
            "expect_column_pair_values_to_be_equal",
            "rows_extracted, rows_accounted",
            {
                "table_name": "backend_core_payment",
                "rows_extracted": 120,
                "rows_accounted": 118,
                "rows_trusted": 118,
                "rows_quarantined": 0,
            },
        ),
        ("expect_column_values_to_be_between", "revenue", {"slot_id": 4, "revenue": -1.0}),
    ],
)
def test_broken_marts_fail_blocking(broken_marts, expectation, column, offending):
    failed = outcomes(broken_marts.report, expectation, column, failed=True)
    assert failed and {o.severity for o in failed} == {"blocking"}
    assert offending in failed[0].offending_rows
    assert failed_in_audit(
        audit_rows(broken_marts.path, "run-7", "marts"), expectation, column
    ) == {"blocking"}


def test_quarantine_share_above_threshold_blocks(broken_marts):
    failed = outcomes(
        broken_marts.report, "expect_column_values_to_be_between", "quarantined_share", failed=True
    )
    assert {(o.batch, o.severity) for o in failed} == {
        ("row_reconciliation", "warning"),
        ("quarantine_share", "blocking"),
    }
    blocking = next(o for o in failed if o.severity == "blocking")
    assert blocking.offending_rows == (
        {
            "table_name": "backend_core_parkingsession",
            "quarantined_share": pytest.approx(20 / 150),
            "rows_extracted": 150,
            "rows_quarantined": 20,
        },
    )
    assert "quarantined_share" in str(broken_marts.error)


def test_revenue_that_does_not_reconcile_blocks(broken_marts):
    [failure] = outcomes(
        broken_marts.report, "expect_column_values_to_be_between", "abs_difference", failed=True
    )
    assert failure.severity == "blocking"
    assert failure.offending_rows == (
        {
            "check_name": "payment_analytics.total_revenue = sum(payment_by_method.amount)",
            "abs_difference": 1.0,
            "left_value": 25.0,
            "right_value": 26.0,
        },
    )
    assert "payment_analytics.total_revenue = sum(payment_by_method.amount)" in str(
        broken_marts.error
    )


def test_active_session_on_inactive_slot_is_only_a_warning(broken_marts):
    [warning] = outcomes(
        broken_marts.report, "expect_column_values_to_be_in_set", "slot_is_counted", failed=True
    )
    assert warning.severity == "warning"
    assert warning.offending_rows == ({"session_id": 12, "slot_is_counted": False, "slot_id": 9},)
    assert "slot_is_counted" not in str(broken_marts.error)
    assert len(broken_marts.report.failures) == 5
    assert str(broken_marts.error).startswith(
        "data-quality suite 'marts' (run run-7) failed 5 blocking expectation(s)"
    )


def test_small_table_quarantine_share_only_warns(tmp_path):
    path = make_warehouse(
        tmp_path / "warehouse.duckdb",
        # 1 of 2 zones quarantined: 50 %, but 2 rows are too few for a share to block
        "update marts.row_reconciliation set rows_trusted = 1, rows_quarantined = 1 "
        "where table_name = 'backend_core_parkingzone'",
        "insert into marts.quarantine_summary values ('backend_core_parkingzone', 'unknown enumerated value', 1)",
    )
    report = validate_warehouse(path, suite="marts", run_id="r2")
    assert report.status == "warning"
    assert [(o.batch, o.offending_rows) for o in report.warnings] == [
        (
            "row_reconciliation",
            (
                {
                    "table_name": "backend_core_parkingzone",
                    "quarantined_share": 0.5,
                    "rows_extracted": 2,
                    "rows_trusted": 1,
                    "rows_quarantined": 1,
                },
            ),
        )
    ]


def test_missing_mart_blocks_with_its_name(tmp_path):
    path = make_warehouse(tmp_path / "warehouse.duckdb", "drop table marts.peak_hours")
    with pytest.raises(DataQualityError, match="table marts.peak_hours is missing"):
        validate_warehouse(path, suite="marts", run_id="r2")


# --------------------------------------------------------------------------- thresholds


def test_thresholds_come_from_file_then_environment_then_argument():
    assert resolve_thresholds(environ={})["max_quarantined_share"] == 0.05
    assert resolve_thresholds(environ={})["max_row_count_drop"] == 0.5
    environ = {"PARKING_DQ_MAX_QUARANTINED_SHARE": "0.1", "PARKING_DQ_MAX_ROW_COUNT_DROP": "0.8"}
    assert resolve_thresholds(environ=environ)["max_quarantined_share"] == 0.1
    assert resolve_thresholds({"max_quarantined_share": 0.2}, environ=environ) == {
        **resolve_thresholds(environ=environ),
        "max_quarantined_share": 0.2,
    }


@pytest.mark.parametrize(
    ("overrides", "environ", "message"),
    [
        ({"max_quarantine": 0.1}, {}, "unknown data-quality threshold"),
        (
            {},
            {"PARKING_DQ_MAX_ROW_COUNT_DROP": "half"},
            "max_row_count_drop = 'half' \\(from environment variable PARKING_DQ_MAX_ROW_COUNT_DROP\\)",
        ),
        ({"max_quarantined_share": 5}, {}, "is not a share between 0 and 1"),
    ],
)
def test_bad_threshold_is_a_user_error(overrides, environ, message):
    with pytest.raises(ParkingWarehouseError, match=message):
        resolve_thresholds(overrides, environ=environ)


def test_environment_threshold_reaches_the_suite(broken_raw, tmp_path, monkeypatch):
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(broken_raw.path, path)
    monkeypatch.setenv("PARKING_DQ_MAX_ROW_COUNT_DROP", "0.7")
    monkeypatch.setenv("PARKING_DQ_MAX_UNTRUSTED_SHARE_IN_LOAD", "0.2")
    with pytest.raises(DataQualityError) as raised:
        validate_warehouse(path, suite="raw", run_id="r2")
    # the collapse (67 %) and the unknown statuses (14 %) are now tolerated; the duplicate is not
    assert [o.expectation for o in raised.value.report.failures] == [
        "expect_column_values_to_be_unique"
    ]


def test_a_load_larger_than_max_rows_per_load_is_checked_on_a_sample(clean_warehouse):
    report = validate_warehouse(
        clean_warehouse, suite="raw", run_id="r2", thresholds={"max_rows_per_load": 100}
    )
    assert report.status == "ok"
    sample = "value checks on a repeatable sample of 100 of the load's"
    assert report.notes == (
        f"raw.backend_core_parkingsession: {sample} 150 rows",
        f"raw.backend_core_payment: {sample} 120 rows",
    )
    sampled = outcomes(report, "expect_column_values_to_be_in_set", "status", failed=False)
    assert {o.details["result"]["element_count"] for o in sampled} == {100}  # sessions, payments


def test_key_uniqueness_counts_every_row_of_a_sampled_load(tmp_path):
    # Keys are counted in DuckDB over the whole table, never sampled: the duplicate of payment 7
    # is found whichever rows the sample of the value checks holds.
    path = make_warehouse(
        tmp_path / "warehouse.duckdb",
        "insert into raw.backend_core_payment select * replace ('r1' as _run_id) "
        "from raw.backend_core_payment where id = 7",
    )
    validated = validate_catching(path, suite="raw", run_id="r2", thresholds={"max_rows_per_load": 10})
    [failure] = outcomes(validated.report, "expect_column_values_to_be_unique", "id", failed=True)
    assert failure.observed_value == "2 of 121 rows unexpected (1.65 %)"
    assert failure.details["result"]["partial_unexpected_counts"] == [{"value": 7, "count": 2}]
    assert [(r["id"], r["_run_id"]) for r in failure.offending_rows] == [(7, "r1"), (7, "r2")]
    assert "raw.backend_core_payment: value checks on a repeatable sample of 10 of the load's 120 rows" in (
        validated.report.notes
    )
    assert str(validated.error).startswith("data-quality suite 'raw' (run r2) failed 1 blocking")
    unique = outcomes(validated.report, "expect_column_values_to_be_unique", "id", failed=False)
    assert {o.details["rows"] for o in unique if o.table == "raw.backend_core_parkingsession"} == {150}


def test_a_counted_batch_refuses_an_expectation_it_cannot_count(clean_warehouse, tmp_path, monkeypatch):
    # A '.keys' batch is counted in DuckDB, not given to GX as rows: any other expectation on it
    # would be wrong silently, so the suite file is refused.
    suites = tmp_path / "suites"
    shutil.copytree(Path(load_suite_file("raw").path).parent, suites)
    raw = json.loads((suites / "raw.json").read_text())
    raw["expectations"].append({
        "type": "expect_column_values_to_not_be_null", "kwargs": {"column": "_run_id"},
        "severity": "critical", "meta": {"batch": "users_customuser.keys"}, "notes": "not countable",
    })
    (suites / "raw.json").write_text(json.dumps(raw))
    monkeypatch.setattr("expectations.suite_files.SUITES_DIR", suites)
    load_suite_file.cache_clear()  # suite files are read once per process
    try:
        with pytest.raises(ParkingWarehouseError, match=r"batch 'users_customuser.keys' is counted in DuckDB"):
            validate_warehouse(clean_warehouse, suite="raw", run_id="r2")
    finally:
        load_suite_file.cache_clear()
