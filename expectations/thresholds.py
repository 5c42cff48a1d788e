"""The thresholds of the suites: defaults from suites/thresholds.json, then environment, then caller."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from functools import cache
from pathlib import Path

from parking_warehouse.errors import ParkingWarehouseError

THRESHOLDS_FILE = Path(__file__).parent / "suites" / "thresholds.json"

# Thresholds that are shares of rows: they must lie in 0..1.
_SHARES = {"max_untrusted_share_in_load", "max_quarantined_share", "max_row_count_drop"}


@cache
def threshold_definitions() -> dict[str, dict]:
    """name -> {"default", "env", "description"}, as reviewed in suites/thresholds.json."""
    return json.loads(THRESHOLDS_FILE.read_text())["thresholds"]


def resolve_thresholds(
    overrides: Mapping[str, float] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, float]:
    """Every threshold's value: the `overrides` argument wins over the environment, which wins
    over the defaults of suites/thresholds.json."""
    environ = os.environ if environ is None else environ
    definitions = threshold_definitions()
    unknown = sorted(set(overrides or {}) - set(definitions))
    if unknown:
        raise ParkingWarehouseError(
            f"unknown data-quality threshold(s) {', '.join(unknown)}: "
            f"expected some of {', '.join(sorted(definitions))}"
        )
    values = {}
    for name, definition in definitions.items():
        source, value = "default in " + THRESHOLDS_FILE.name, definition["default"]
        if environ.get(definition["env"]):
            source, value = "environment variable " + definition["env"], environ[definition["env"]]
        if overrides and overrides.get(name) is not None:
            source, value = "thresholds argument", overrides[name]
        values[name] = _checked(name, value, source)
    return values


def _checked(name: str, value, source: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if math.isnan(number) or number < 0 or (name in _SHARES and number > 1):
        expected = "a share between 0 and 1" if name in _SHARES else "a non-negative number"
        raise ParkingWarehouseError(
            f"data-quality threshold {name} = {value!r} (from {source}) is not {expected}"
        )
    return number
