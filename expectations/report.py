"""What a validation found: one outcome per expectation, the report, and the blocking error."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from parking_warehouse.errors import ParkingWarehouseError

OFFENDING_ROWS_IN_MESSAGE = 3


@dataclass(frozen=True)
class ExpectationOutcome:
    """The result of one expectation of a suite, as stored in audit.dq_results."""

    suite: str
    batch: str
    table: str
    expectation: str  # the Great Expectations type, e.g. expect_column_values_to_be_unique
    column: str | None
    severity: str  # "blocking" or "warning"
    success: bool
    observed_value: str
    details: dict = field(default_factory=dict)
    offending_rows: tuple[dict, ...] = ()

    @property
    def label(self) -> str:
        """`expectation(column)` on `table`, for messages."""
        target = f"({self.column})" if self.column else ""
        return f"{self.expectation}{target} on {self.table}"

    def describe(self, rows: int = OFFENDING_ROWS_IN_MESSAGE) -> str:
        text = f"{self.label}: observed {self.observed_value}"
        if self.offending_rows:
            shown = ", ".join(_row_text(row) for row in self.offending_rows[:rows])
            more = len(self.offending_rows) > rows
            text += f"; offending rows: {shown}{', ...' if more else ''}"
        return text


def _row_text(row: dict) -> str:
    return "{" + ", ".join(f"{key}={value!r}" for key, value in row.items()) + "}"


@dataclass(frozen=True)
class ValidationReport:
    suite: str
    run_id: str
    outcomes: tuple[ExpectationOutcome, ...]
    data_docs: Path | None = None
    seconds: float = 0.0
    notes: tuple[str, ...] = ()

    @property
    def failures(self) -> list[ExpectationOutcome]:
        """Blocking expectations that failed."""
        return [o for o in self.outcomes if not o.success and o.severity == "blocking"]

    @property
    def warnings(self) -> list[ExpectationOutcome]:
        """Warning expectations that failed."""
        return [o for o in self.outcomes if not o.success and o.severity == "warning"]

    @property
    def status(self) -> str:
        """`failed` (a blocking expectation failed), `warning` or `ok`."""
        if self.failures:
            return "failed"
        return "warning" if self.warnings else "ok"

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        return (
            f"suite {self.suite} (run {self.run_id}): {self.status}: {len(self.outcomes)} "
            f"expectations, {len(self.failures)} blocking failed, {len(self.warnings)} warnings, "
            f"{self.seconds:.1f} s"
        )

    def __str__(self) -> str:
        lines = [self.summary()]
        lines += [f"  blocking: {o.describe()}" for o in self.failures]
        lines += [f"  warning: {o.describe()}" for o in self.warnings]
        lines += [f"  note: {note}" for note in self.notes]
        if self.data_docs:
            lines.append(f"  data docs: {self.data_docs}")
        return "\n".join(lines)


class DataQualityError(ParkingWarehouseError):
    """A blocking expectation failed: the run must stop before publishing.

    The message names the suite, each failed expectation with its observed value and a few
    offending rows, on one line; `report` holds every outcome.
    """

    def __init__(self, report: ValidationReport):
        self.report = report
        failures = report.failures
        super().__init__(
            f"data-quality suite {report.suite!r} (run {report.run_id}) failed "
            f"{len(failures)} blocking expectation(s): "
            + "; ".join(f"[{i}] {o.describe()}" for i, o in enumerate(failures, start=1))
        )
