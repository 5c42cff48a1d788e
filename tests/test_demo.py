"""`make run` (parking_warehouse.demo): how many days it runs through Airflow, and for which logical dates."""

from datetime import date

import pytest

from parking_warehouse.demo import BACKFILL_DAYS, demo_days, logical_date_for
from parking_warehouse.errors import ParkingWarehouseError


def test_the_demo_backfills_the_last_three_days_unless_told_otherwise():
    assert demo_days({}) == BACKFILL_DAYS == 3
    assert demo_days({"PARKING_DEMO_DAYS": ""}) == 3
    assert demo_days({"PARKING_DEMO_DAYS": "1"}) == 1
    assert demo_days({"PARKING_DEMO_DAYS": "10"}) == 10


@pytest.mark.parametrize("value", ["0", "-2", "three"])
def test_a_bad_number_of_demo_days_is_a_clear_error(value):
    with pytest.raises(ParkingWarehouseError, match=f"PARKING_DEMO_DAYS='{value}'"):
        demo_days({"PARKING_DEMO_DAYS": value})


def test_the_logical_date_of_a_day_is_the_next_local_midnight():
    assert logical_date_for(date(2026, 3, 28), "Europe/Berlin") == "2026-03-29T00:00:00+01:00"
    assert logical_date_for(date(2026, 3, 29), "Europe/Berlin") == "2026-03-30T00:00:00+02:00"
