"""The suites as reviewed files: suites/<suite>.json in the Great Expectations 1.x suite format.

Each expectation names in `meta.batch` the batch of rows it is checked against (see
`batches.py`); `severity` is Great Expectations' own field: `critical` = blocking, `warning` =
recorded and reported, the run goes on. Thresholds appear as suite parameters
(`{"$PARAMETER": "max_quarantined_share"}`) and come from `thresholds.py`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from parking_warehouse.errors import ParkingWarehouseError

SUITES_DIR = Path(__file__).parent / "suites"
SUITE_NAMES = ("raw", "marts")
SEVERITIES = {"critical": "blocking", "warning": "warning"}

# kwargs that name a column of the batch
_COLUMN_KWARGS = ("column", "column_A", "column_B")
_PARAMETER_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclass(frozen=True)
class SuiteFile:
    name: str
    path: Path
    meta: dict
    expectations: tuple[dict, ...]

    @property
    def batch_names(self) -> tuple[str, ...]:
        """The batches the expectations name, in the order of first use."""
        return tuple(
            dict.fromkeys(expectation["meta"]["batch"] for expectation in self.expectations)
        )

    def expectations_of(self, batch: str) -> list[dict]:
        return [e for e in self.expectations if e["meta"]["batch"] == batch]

    def columns_of(self, batch: str) -> set[str]:
        """Every column an expectation of `batch` reads."""
        columns = set()
        for expectation in self.expectations_of(batch):
            kwargs = expectation["kwargs"]
            columns.update(kwargs[key] for key in _COLUMN_KWARGS if key in kwargs)
            columns.update(kwargs.get("column_list", ()))
            columns.update(kwargs.get("column_set", ()))
        return columns

    def parameter_names(self) -> set[str]:
        """The names used in `{"$PARAMETER": ...}` expressions of any expectation."""
        names = set()
        for expectation in self.expectations:
            for value in expectation["kwargs"].values():
                if isinstance(value, dict) and "$PARAMETER" in value:
                    names.update(_PARAMETER_NAME.findall(value["$PARAMETER"]))
        return names


@cache
def load_suite_file(name: str) -> SuiteFile:
    """Read and check suites/<name>.json. A malformed suite is an error, never a silent skip
    (Great Expectations itself only logs expectations it cannot build)."""
    if name not in SUITE_NAMES:
        raise ParkingWarehouseError(
            f"unknown suite {name!r}: expected one of {', '.join(SUITE_NAMES)}"
        )
    path = SUITES_DIR / f"{name}.json"
    try:
        document = json.loads(path.read_text())
    except (OSError, ValueError) as error:
        raise ParkingWarehouseError(f"suite file {path} cannot be read: {error}") from None
    if document.get("name") != name:
        raise ParkingWarehouseError(
            f"suite file {path} names suite {document.get('name')!r}, not {name!r}"
        )
    expectations = document.get("expectations") or []
    for number, expectation in enumerate(expectations, start=1):
        where = f"suite file {path}, expectation {number} ({expectation.get('type')})"
        if not isinstance(expectation.get("meta"), dict) or not expectation["meta"].get("batch"):
            raise ParkingWarehouseError(f"{where}: meta.batch (the rows it checks) is missing")
        if expectation.get("severity") not in SEVERITIES:
            raise ParkingWarehouseError(
                f"{where}: severity {expectation.get('severity')!r} is not one of {', '.join(SEVERITIES)}"
            )
    return SuiteFile(
        name=name, path=path, meta=document.get("meta") or {}, expectations=tuple(expectations)
    )
