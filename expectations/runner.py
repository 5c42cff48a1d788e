"""validate_warehouse: run one suite against the warehouse with Great Expectations.

One call = one ephemeral Great Expectations context. Each batch of the suite (batches.py) is
validated by its own ValidationDefinition against a pandas DataFrame read from DuckDB; a
Checkpoint would pass the same batch parameters (the same DataFrame) to all of them, so the
Data Docs site is built once at the end instead, with context.build_data_docs(). A batch
counted in DuckDB (key uniqueness over a whole table) is not given to Great Expectations as
rows: its results are built as Great Expectations result objects from DuckDB's counts and
stored with the others, so audit, messages and Data Docs show them the same way.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import time
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from expectations import batches as batch_reader
from expectations.audit import write_outcomes
from expectations.report import DataQualityError, ExpectationOutcome, ValidationReport
from expectations.suite_files import SEVERITIES, SUITE_NAMES, SuiteFile, load_suite_file
from expectations.thresholds import resolve_thresholds
from parking_warehouse.duckdb_resources import connect
from parking_warehouse.errors import ParkingWarehouseError

_SITE = "local_site"


def validate_warehouse(
    warehouse: Path | str | duckdb.DuckDBPyConnection,
    *,
    suite: str,
    run_id: str | None = None,
    data_docs_dir: Path | str | None = None,
    thresholds: Mapping[str, float] | None = None,
) -> ValidationReport:
    """Run suite `raw` or `marts` on the warehouse and record every result.

    raw: checks the rows of one load (`_run_id = run_id`; default: the newest load in
    raw._load_history). marts: checks the marts as built by dbt (default run id: a new one).
    Every result goes into audit.dq_results; Data Docs are rendered into `data_docs_dir` when
    given. A failed blocking expectation raises DataQualityError after recording; failed
    warnings are only reported (status `warning`). `thresholds` overrides the configured ones.
    """
    started = time.perf_counter()
    spec = load_suite_file(suite)
    limits = resolve_thresholds(thresholds)
    with _connected(warehouse) as con:
        if suite == "raw":
            run_id = run_id or batch_reader.latest_raw_run_id(con)
            batches = batch_reader.read_raw_batches(
                con,
                run_id,
                _needed_columns(spec),
                max_rows_per_load=int(limits["max_rows_per_load"]),
            )
        else:
            run_id = run_id or "validate_" + datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            batches = batch_reader.read_mart_batches(
                con,
                _needed_columns(spec),
                min_rows_for_share=int(limits["min_rows_for_share"]),
            )
        validated_at = datetime.now(UTC)
        site = Path(data_docs_dir) / suite if data_docs_dir is not None else None
        outcomes = _run_suite(spec, batches, limits, run_id, validated_at, site)
        write_outcomes(
            con, run_id=run_id, suite=suite, outcomes=outcomes, validated_at=validated_at
        )
    docs_index = None
    if site is not None:
        docs_index = site / "index.html"
        _write_docs_index(Path(data_docs_dir))
    report = ValidationReport(
        suite=suite,
        run_id=run_id,
        outcomes=tuple(outcomes),
        data_docs=docs_index,
        seconds=time.perf_counter() - started,
        notes=tuple(
            f"{b.table}: {b.note}" for b in batches.values() if b.note and b.frame is not None
        ),
    )
    if report.failures:
        raise DataQualityError(report)
    return report


@contextlib.contextmanager
def _connected(warehouse) -> Iterator[duckdb.DuckDBPyConnection]:
    if isinstance(warehouse, duckdb.DuckDBPyConnection):
        yield warehouse
        return
    path = Path(warehouse)
    if not path.is_file():
        raise ParkingWarehouseError(
            f"warehouse {path} does not exist: run `parking-warehouse extract` first"
        )
    con = connect(path)
    try:
        yield con
    finally:
        con.close()


def _write_docs_index(data_docs_dir: Path) -> None:
    """data_docs_dir/index.html: a link to each suite's Great Expectations site.

    Each suite has its own site (data_docs_dir/<suite>/): a site built from an ephemeral
    context shows only that context's results, so one shared site would lose the raw results
    when the marts are validated."""
    links = "\n".join(
        f'<li><a href="{name}/index.html">{name}</a></li>'
        for name in SUITE_NAMES
        if (data_docs_dir / name / "index.html").is_file()
    )
    (data_docs_dir / "index.html").write_text(
        '<!doctype html>\n<html><head><meta charset="utf-8"><title>Data quality</title></head>\n'
        "<body><h1>Data-quality suites</h1>\n"
        "<p>The last validation of each suite (Great Expectations Data Docs). Every result of every "
        "run is kept in the warehouse table audit.dq_results.</p>\n"
        f"<ul>\n{links}\n</ul></body></html>\n"
    )


def _needed_columns(spec: SuiteFile) -> dict[str, set[str]]:
    return {batch: spec.columns_of(batch) for batch in spec.batch_names}


# --------------------------------------------------------------------------- Great Expectations


def _context(data_docs_dir: Path | None):
    """An ephemeral context: in-memory stores, no analytics, no progress bars, one docs site."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    sites = {}
    if data_docs_dir is not None:
        data_docs_dir.mkdir(parents=True, exist_ok=True)
        sites[_SITE] = {
            "class_name": "SiteBuilder",
            "show_how_to_buttons": False,
            "store_backend": {
                "class_name": "TupleFilesystemStoreBackend",
                "base_directory": str(data_docs_dir.resolve()),
            },
            "site_index_builder": {
                "class_name": "DefaultSiteIndexBuilder",
                "show_cta_footer": False,
            },
        }
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        data_docs_sites=sites,
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False, metric_calculations=False),
    )
    return gx.get_context(mode="ephemeral", project_config=config)


def _run_suite(
    spec: SuiteFile,
    batches: dict[str, batch_reader.Batch],
    limits: dict[str, float],
    run_id: str,
    validated_at: datetime,
    data_docs_dir: Path | None,
) -> list[ExpectationOutcome]:
    import great_expectations as gx
    from great_expectations.core.run_identifier import RunIdentifier

    missing = spec.parameter_names() - set(limits) - {"e", "pi"}
    if missing:
        raise ParkingWarehouseError(
            f"suite file {spec.path} uses parameter(s) {', '.join(sorted(missing))} "
            "that no threshold defines (suites/thresholds.json)"
        )
    context = _context(data_docs_dir)
    datasource = context.data_sources.add_pandas(f"warehouse_{spec.name}")
    gx_run_id = RunIdentifier(run_name=run_id, run_time=validated_at)
    outcomes: list[ExpectationOutcome] = []
    for name in spec.batch_names:
        batch = batches[name]
        expectations = spec.expectations_of(name)
        if batch.frame is None:
            outcomes += [_missing_outcome(spec.name, batch, e) for e in expectations]
            continue
        parameters = _parameters_for(spec.name, batch, limits)
        resolved = [_with_parameters(e, parameters) for e in expectations]
        suite = context.suites.add(
            gx.ExpectationSuite(name=f"{spec.name}.{name}", expectations=resolved)
        )
        if len(suite.expectations) != len(expectations):
            raise ParkingWarehouseError(
                f"suite file {spec.path}: Great Expectations rejected "
                f"{len(expectations) - len(suite.expectations)} expectation(s) of batch {name!r} "
                "(unknown type or invalid arguments)"
            )
        if batch.counted is not None:
            result = _counted_result(context, spec, suite, batch, gx_run_id)
            outcomes += [_outcome(spec.name, batch, r) for r in result.results]
            continue
        definition = datasource.add_dataframe_asset(name).add_batch_definition_whole_dataframe(name)
        validation = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{spec.name}.{name}", data=definition, suite=suite)
        )
        result = validation.run(
            batch_parameters={"dataframe": batch.frame},
            result_format={
                "result_format": "SUMMARY",
                "partial_unexpected_count": batch_reader.OFFENDING_ROWS,
            },
            run_id=gx_run_id,
        )
        outcomes += [_outcome(spec.name, batch, r) for r in result.results]
    if data_docs_dir is not None:
        context.build_data_docs(site_names=[_SITE])
    return outcomes


COUNTED_EXPECTATION = "expect_column_values_to_be_unique"


def _counted_result(context, spec: SuiteFile, suite, batch: batch_reader.Batch, gx_run_id):
    """The results of a batch counted in DuckDB (key uniqueness over a whole table), as Great
    Expectations' own result objects, stored so that Data Docs render them like the others."""
    import great_expectations as gx
    from great_expectations.core import (
        ExpectationSuiteValidationResult,
        ExpectationValidationResult,
    )
    from great_expectations.data_context.types.resource_identifiers import (
        ExpectationSuiteIdentifier,
        ValidationResultIdentifier,
    )

    results = []
    for expectation in suite.expectations:
        config = expectation.configuration
        if config.type != COUNTED_EXPECTATION or set(config.kwargs) - {"column", "batch_id"}:
            raise ParkingWarehouseError(
                f"suite file {spec.path}: batch {batch.name!r} is counted in DuckDB and holds "
                f"only {COUNTED_EXPECTATION} on its key, not {config.type}({dict(config.kwargs)})"
            )
        results.append(
            ExpectationValidationResult(
                success=batch.counted["unexpected_count"] == 0,
                expectation_config=config,
                result=dict(batch.counted),
                exception_info={
                    "raised_exception": False,
                    "exception_traceback": None,
                    "exception_message": None,
                },
            )
        )
    successful = sum(r.success for r in results)
    suite_result = ExpectationSuiteValidationResult(
        success=successful == len(results),
        results=results,
        suite_name=suite.name,
        statistics={
            "evaluated_expectations": len(results),
            "successful_expectations": successful,
            "unsuccessful_expectations": len(results) - successful,
            "success_percent": 100 * successful / len(results) if results else None,
        },
        meta={
            "great_expectations_version": gx.__version__,
            "run_id": gx_run_id,
            "validation_time": gx_run_id.run_time,
            "batch_spec": {"counted_in": "DuckDB", "table": batch.table, "rows": batch.rows_total},
            "active_batch_definition": {
                "datasource_name": "warehouse (DuckDB SQL)",
                "data_connector_name": "",
                "data_asset_name": batch.name,
                "batch_identifiers": {},
            },
        },
        batch_id=batch.name,
    )
    context.validation_results_store.store_validation_results(
        suite_validation_result=suite_result,
        suite_validation_result_identifier=ValidationResultIdentifier(
            expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
            run_id=gx_run_id,
            batch_identifier=batch.name,
        ),
        expectation_suite_identifier=ExpectationSuiteIdentifier(name=suite.name),
    )
    return suite_result


def _parameters_for(suite: str, batch: batch_reader.Batch, limits: dict[str, float]) -> dict:
    """The thresholds as suite parameters. A raw load smaller than min_rows_for_share cannot fail
    a share check: one odd zone out of three is not a broken extract."""
    parameters = dict(limits)
    if suite == "raw" and batch.rows_total < limits["min_rows_for_share"]:
        parameters["max_untrusted_share_in_load"] = 1.0
    return parameters


def _with_parameters(expectation: dict, parameters: dict) -> dict:
    """The expectation with its `{"$PARAMETER": expression}` kwargs evaluated (by Great
    Expectations' own parser), so that results and Data Docs show the thresholds applied."""
    from great_expectations.core.suite_parameters import parse_suite_parameter

    kwargs = {
        key: parse_suite_parameter(value["$PARAMETER"], parameters)
        if isinstance(value, dict) and "$PARAMETER" in value
        else value
        for key, value in expectation["kwargs"].items()
    }
    return {**expectation, "kwargs": kwargs}


def _missing_outcome(
    suite: str, batch: batch_reader.Batch, expectation: dict
) -> ExpectationOutcome:
    return ExpectationOutcome(
        suite=suite,
        batch=batch.name,
        table=batch.table,
        expectation=expectation["type"],
        column=_column_of(expectation["kwargs"]),
        severity=SEVERITIES[expectation["severity"]],
        success=False,
        observed_value=batch.note or f"no rows: {batch.table} is missing",
        details={"batch": batch.name, "kwargs": expectation["kwargs"], "error": batch.note},
    )


def _column_of(kwargs: Mapping) -> str | None:
    if "column" in kwargs:
        return kwargs["column"]
    if "column_A" in kwargs:
        return f"{kwargs['column_A']}, {kwargs['column_B']}"
    if "column_list" in kwargs:
        return ", ".join(kwargs["column_list"])
    return None


def _outcome(suite: str, batch: batch_reader.Batch, result) -> ExpectationOutcome:
    config = result.expectation_config
    kwargs = {k: v for k, v in config.kwargs.items() if k != "batch_id"}
    severity = SEVERITIES.get(str(getattr(config.severity, "value", config.severity)), "blocking")
    gx_result = dict(result.result or {})
    errors = _exception_messages(result.exception_info)
    if errors:
        observed = "error: " + "; ".join(errors)
        success = False
    else:
        observed = _observed(gx_result)
        success = bool(result.success)
        mostly = kwargs.get("mostly")
        if isinstance(mostly, (int, float)) and mostly < 1 and "unexpected_count" in gx_result:
            observed += f", at most {100 * (1 - mostly):.2f} % allowed"
    offending = () if success else _offending_rows(batch, kwargs, gx_result)
    details = {
        "batch": batch.name,
        "rows": batch.rows_total,
        "kwargs": _plain(kwargs),
        "result": _plain(
            {k: v for k, v in gx_result.items() if k != "partial_unexpected_index_list"}
        ),
        "offending_rows": list(offending),
        "notes": config.notes,
    }
    if batch.note:
        details["note"] = batch.note
    if errors:
        details["exception"] = errors
    return ExpectationOutcome(
        suite=suite,
        batch=batch.name,
        table=batch.table,
        expectation=config.type,
        column=_column_of(kwargs),
        severity=severity,
        success=success,
        observed_value=observed,
        details=details,
        offending_rows=offending,
    )


def _exception_messages(info) -> list[str]:
    """The messages of exceptions raised while computing an expectation: Great Expectations
    reports them flat, or keyed by the metric that failed."""
    if not isinstance(info, dict):
        return []
    if "raised_exception" in info:
        return [str(info.get("exception_message"))] if info["raised_exception"] else []
    return list(dict.fromkeys(m for value in info.values() for m in _exception_messages(value)))


def _observed(result: dict) -> str:
    mismatched = (result.get("details") or {}).get("mismatched") or {}
    if mismatched.get("missing"):  # table columns: extra ones are allowed, name the missing
        return "missing columns " + ", ".join(mismatched["missing"])
    if "observed_value" in result:
        return json.dumps(_plain(result["observed_value"]), default=str)
    if "unexpected_count" in result:
        count, total = result.get("unexpected_count") or 0, result.get("element_count") or 0
        missing = result.get("missing_count") or 0
        share = count / (total - missing) if total - missing else 0.0
        return f"{count} of {total - missing} rows unexpected ({100 * share:.2f} %)"
    return json.dumps(_plain(result), default=str)


def _offending_rows(batch: batch_reader.Batch, kwargs: Mapping, result: dict) -> tuple[dict, ...]:
    """The batch rows Great Expectations reported (by position), with their key and checked columns."""
    positions = [
        p
        for p in result.get("partial_unexpected_index_list") or []
        if isinstance(p, (int, np.integer))
    ]
    if not positions or batch.frame is None:
        return ()
    frame = batch.frame
    checked = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    checked += list(kwargs.get("column_list", ()))
    wanted = [*batch.key_columns, *checked, *batch.context_columns]
    columns = [c for c in dict.fromkeys(wanted) if c in frame.columns]
    # a derived column (X__at, X__num) is shown with the raw text it was read from
    columns += [
        base
        for c in checked
        if (base := c.rpartition("__")[0]) in frame.columns and base not in columns
    ]
    rows = frame.loc[[p for p in positions if p in frame.index], columns]
    return tuple({k: _plain(v) for k, v in record.items()} for record in rows.to_dict("records"))


def _plain(value):
    """JSON-ready Python values (numpy, pandas, Decimal, timestamps) for details and messages."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, np.ndarray)):
        return [_plain(v) for v in value]
    if value is None or value is pd.NaT:
        return None
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        if math.isnan(value):
            return None
        return float(value) if math.isfinite(value) else str(float(value))
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (pd.Timestamp, datetime, date, np.datetime64)):
        return str(pd.Timestamp(value))
    try:
        if pd.isna(value):
            return None
    except (TypeError, ValueError):
        pass
    return value if isinstance(value, str) else str(value)
