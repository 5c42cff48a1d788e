"""Time: local days in the operator's zone, the arrival-intensity grid, and Django's datetime text.

Simulation times are float seconds since the Unix epoch (UTC); stored times are integer
microseconds, written as `YYYY-MM-DD HH:MM:SS` plus `.ffffff` only when the microseconds are
not zero (Django's text on SQLite).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

from parking_warehouse.generator.catalog import WEEKDAY_SHAPE, WEEKEND_SHAPE

STEP = 900  # seconds: the intensity grid has quarter-hour steps (works for +05:45 zones too)
US = 1_000_000


def local_midnight(day: date, timezone: str) -> int:
    """Epoch seconds of local `day` 00:00 (DST-aware; a midnight that does not exist rolls forward)."""
    zone = ZoneInfo(timezone)
    moment = datetime.combine(day, time(0), tzinfo=zone)
    # Round-trip through UTC so a non-existent local time is normalised the way zoneinfo folds it.
    return int(moment.timestamp())


def local_day_bounds(first: date, days: int, timezone: str) -> list[tuple[date, int, int]]:
    """[(local date, start epoch s, end epoch s)] for `days` local days from `first`: 23, 24 or 25 h."""
    bounds = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        bounds.append((day, local_midnight(day, timezone), local_midnight(day + timedelta(days=1), timezone)))
    return bounds


class IntensityClock:
    """The cumulative arrival shape S(t) over [start, end) in quarter hours, and its inverse.

    A zone's arrivals on an empty slot form a Poisson process of intensity popularity x shape(t),
    where shape follows the local hour (weekday or weekend curve). The next arrival after t on a
    slot is S^-1(S(t) + E / popularity) with E ~ Exp(1).
    """

    def __init__(self, start: int, end: int, timezone: str):
        self.start = start
        self.end = end
        steps = max(1, -(-(end - start) // STEP))
        moments = pd.DatetimeIndex(
            (start + STEP * np.arange(steps, dtype=np.int64)).astype("datetime64[s]")
        ).tz_localize("UTC").tz_convert(timezone)
        hour = np.asarray(moments.hour, dtype=np.int64)
        minute = np.asarray(moments.minute, dtype=np.int64)
        weekend = np.asarray(moments.day_of_week, dtype=np.int64) >= 5
        # Interpolate the hourly curves at the middle of each quarter hour.
        position = hour + (minute + 7.5) / 60.0 - 0.5
        lower = np.floor(position).astype(np.int64) % 24
        upper = (lower + 1) % 24
        weight = position - np.floor(position)
        weekday_rate = WEEKDAY_SHAPE[lower] * (1 - weight) + WEEKDAY_SHAPE[upper] * weight
        weekend_rate = WEEKEND_SHAPE[lower] * (1 - weight) + WEEKEND_SHAPE[upper] * weight
        self.rate = np.where(weekend, weekend_rate, weekday_rate)  # per hour
        self.hour = hour
        self.weekend = weekend
        self.cumulative = np.concatenate([[0.0], np.cumsum(self.rate * STEP / 3600.0)])

    def _step(self, t: np.ndarray) -> np.ndarray:
        return np.clip(((t - self.start) // STEP).astype(np.int64), 0, len(self.rate) - 1)

    def local_hour(self, t: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(local hour 0-23, is weekend) of instants inside the grid."""
        step = self._step(t)
        return self.hour[step], self.weekend[step]

    def next_arrival(self, after: np.ndarray, popularity: np.ndarray, exponential: np.ndarray) -> np.ndarray:
        """The next arrival after `after` for each slot; +inf when it falls at or beyond `end`."""
        result = np.full(after.shape, np.inf)
        inside = after < self.end
        if not inside.any():
            return result
        t = np.maximum(after[inside], self.start)
        step = self._step(t)
        level = self.cumulative[step] + (t - self.start - step * STEP) * self.rate[step] / 3600.0
        target = level + exponential[inside] / popularity[inside]
        found = np.searchsorted(self.cumulative, target, side="right") - 1
        ok = found < len(self.rate)
        found = np.minimum(found, len(self.rate) - 1)
        arrival = self.start + found * STEP + (target - self.cumulative[found]) / self.rate[found] * 3600.0
        arrival = np.where(ok & (arrival < self.end), arrival, np.inf)
        result[inside] = arrival
        return result


def to_microseconds(seconds: np.ndarray) -> np.ndarray:
    return np.round(seconds * US).astype(np.int64)


def format_datetimes(micros: np.ndarray, null: np.ndarray | None = None) -> list:
    """Django's SQLite datetime text for each instant; None where `null` is true."""
    if len(micros) == 0:
        return []
    text = np.datetime_as_string(np.asarray(micros, dtype=np.int64).astype("datetime64[us]"), unit="us")
    codes = text.view(np.uint32).reshape(len(text), -1)
    codes[:, 10] = 32  # 'T' -> ' '
    out = text.tolist()
    for index in np.flatnonzero(micros % US == 0).tolist():
        out[index] = out[index][:19]
    if null is not None:
        for index in np.flatnonzero(null).tolist():
            out[index] = None
    return out


def parse_datetimes(texts: list) -> np.ndarray:
    """Microseconds since the epoch of Django datetime text (the generator's own, clean rows)."""
    return np.array(texts, dtype="datetime64[us]").astype(np.int64)
