"""Data-quality gates: Great Expectations suites for the raw layer and the marts.

    from expectations import validate_warehouse, DataQualityError
    report = validate_warehouse(path, suite="raw", run_id=run_id, data_docs_dir=reports / "data_docs")

The suites are reviewed files (suites/raw.json, suites/marts.json), thresholds live in
suites/thresholds.json; docs/data-quality.md explains every expectation and its severity.
Great Expectations itself is imported only when a suite runs.
"""

from expectations.report import DataQualityError, ExpectationOutcome, ValidationReport
from expectations.runner import validate_warehouse

__all__ = ["DataQualityError", "ExpectationOutcome", "ValidationReport", "validate_warehouse"]
