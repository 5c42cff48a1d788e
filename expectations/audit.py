"""audit.dq_results: every expectation result of every validation, kept in the warehouse."""

from __future__ import annotations

import json
from datetime import datetime

import duckdb
import pandas as pd

from expectations.report import ExpectationOutcome

DDL = """
create schema if not exists audit;
create table if not exists audit.dq_results (
    run_id         varchar     not null,  -- the pipeline run (for raw: the load's _run_id)
    suite          varchar     not null,  -- raw | marts
    expectation    varchar     not null,  -- Great Expectations type
    table_name     varchar,               -- warehouse table the rows came from
    column_name    varchar,               -- column(s) checked, null for table-level checks
    severity       varchar     not null,  -- blocking | warning
    success        boolean     not null,
    observed_value varchar,               -- what was found, readable
    details        json,                  -- batch, kwargs, GX result, offending rows
    validated_at   timestamptz not null
);
"""


def write_outcomes(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    suite: str,
    outcomes: list[ExpectationOutcome],
    validated_at: datetime,
) -> None:
    """Replace the rows of (run_id, suite): validating a run again does not duplicate them."""
    frame = pd.DataFrame(
        {
            "run_id": run_id,
            "suite": suite,
            "expectation": [o.expectation for o in outcomes],
            "table_name": [o.table for o in outcomes],
            "column_name": [o.column for o in outcomes],
            "severity": [o.severity for o in outcomes],
            "success": [o.success for o in outcomes],
            "observed_value": [o.observed_value for o in outcomes],
            "details": [json.dumps(o.details, default=str, sort_keys=True) for o in outcomes],
            "validated_at": validated_at,
        },
        columns=[
            "run_id",
            "suite",
            "expectation",
            "table_name",
            "column_name",
            "severity",
            "success",
            "observed_value",
            "details",
            "validated_at",
        ],
    )
    con.execute(DDL)
    con.execute("begin transaction")
    try:
        con.execute("delete from audit.dq_results where run_id = ? and suite = ?", [run_id, suite])
        con.register("__dq_outcomes", frame)
        con.execute(
            """
            insert into audit.dq_results
            select run_id, suite, expectation, table_name, column_name, severity, success,
                   observed_value, details::json, validated_at
            from __dq_outcomes
            """
        )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    finally:
        con.unregister("__dq_outcomes")
