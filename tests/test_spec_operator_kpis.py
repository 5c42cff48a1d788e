"""Operator KPIs (outputs 10-13 of ../shared/analytics-spec.md), exact values computed by hand.

Written from the spec alone, without reading the models, as a second reading. Scenarios are in
spec_kpi_scenarios.py:

- a busy plain day, Europe/Berlin D = 2026-06-17 (Wed, CEST): two counted zones (Center 3 slots
  plus a deactivated one; Airport 1 slot plus one created during D), an inactive zone, a zone
  whose only slot is deactivated; stays crossing midnight, open at T, exiting after T, entering
  exactly at T, zero-length, exactly 15 and 480 minutes; a refund, a payment paid after T, a
  pending one, a late payment of D-1's stay; a quiet day D-2; 30 days of short visits for
  visitors (they cover no timeline instant);
- the daylight-saving days 2026-03-29 (23 h, 92 instants) and 2026-10-25 (25 h, 100 instants),
  one source built for both days in order.

The JSON values are what the daily run writes to occupancy_timeline.json and operations.json
(reports.outputs.build_operator_outputs); history is read from marts.zone_day_kpis.

Readings of the spec written down here (told to the lead):
- `frequent_vehicles` counts every vehicle with >= 8 visits in D-29..D, also one without a visit
  on D (the text says "of those" for `new_vehicles` only);
- a stay's duration (avg/median/stay_mix) is the whole `exit_time - entry_time`, not its part
  inside the window; `completed_stays` counts sessions on any slot of the zone (a deactivated
  slot too), `occupied_hours` only those on counted slots;
- a completed stay whose only payment is refunded, pending or paid after T is unpaid;
- a counted zone without counted slots has its rows (total_slots 0, rates 0), as in
  zone_occupancy; with no occupancy all day its peak is 0 at the day's first instant;
- weekday_hour_occupancy's instants are the calendar's (28 days of 96/92/100), whatever the data.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sourcedb import SourceDB
from spec_kpi_scenarios import (
    AUTUMN_D,
    BUSY_D,
    SPRING_D,
    assert_values,
    build_kpis,
    instants,
    kpi_dates,
    kpi_rows,
    local_range,
    make_busy_day,
    make_dst_days,
    timeline,
    weekday_hours,
    zone_day,
)
from spec_scenarios import BERLIN, assert_json

pytestmark = pytest.mark.slow  # real dbt builds: ~15 s each, five in this file

D, D1, D2 = BUSY_D, BUSY_D - timedelta(days=1), BUSY_D - timedelta(days=2)


def operations(out: dict) -> dict:
    assert "operations" in out, f"no operations output (outputs: {sorted(out)})"
    return out["operations"]


def occupancy_timeline(out: dict) -> list[dict]:
    assert "occupancy_timeline" in out, f"the run gave no occupancy_timeline ({sorted(out)})"
    return out["occupancy_timeline"]


def zone_of(rows: list[dict], zone_id: int | None) -> dict:
    found = [row for row in rows if row["zone_id"] == zone_id]
    assert len(found) == 1, f"{len(found)} rows for zone_id {zone_id}: {rows}"
    return found[0]


# --------------------------------------------------------------------------- the busy day

CENTER_D = zone_day(
    1,
    "Center",
    total_slots=3,  # A1 A2 A3; A4 is deactivated
    sessions_started=7,  # 2 3 4 5(A4) 7 8 9; not 1 (D-1), 6 (cancelled), 16 (enters at T)
    turnover=2.33,  # 7 / 3
    occupied_hours=15.75,  # A1 2+0+1, A2 4+0.5, A3 0.25+8 (A4's hour is not counted)
    utilization_rate=21.88,  # 15.75 / (3 x 24)
    peak_occupied_slots=2,  # 00:30, 00:45 and 23:00-23:45
    peak_occupancy_rate=66.67,
    peak_at="2026-06-17T00:30:00+02:00",  # the first of the tied instants
    revenue=11.0,  # 8.00 (session 1) + 2.00 (5, on A4) + 1.00 (9); not the refund, not 4/8
    revpas=3.67,  # 11 / 3
    completed_stays=6,  # 1 (240 min), 3 (15), 4 (480), 5 (60, A4), 7 (0), 9 (30)
    avg_stay_minutes=137.5,  # 825 / 6
    median_stay_minutes=30.0,  # lower median of 0 15 30 60 240 480
    stay_mix={"under_15m": 1, "15m_1h": 2, "1h_2h": 1, "2h_4h": 0, "4h_8h": 1, "over_8h": 1},
    unpaid_sessions=2,  # 3 (refunded, 1.00) and 4 (paid after T, 16.00); 7 costs 0.00
    unpaid_amount=17.0,
)

AIRPORT_D = zone_day(
    2,
    "Airport",
    total_slots=2,  # B1 and B2 (created during D, counted as of T)
    sessions_started=2,  # 11 and 12; 10 entered on D-1
    turnover=1.0,
    occupied_hours=3.5,  # B1 0.5 (10) + 1 (12), B2 2 (11)
    utilization_rate=7.29,  # 3.5 / (2 x 24)
    peak_occupied_slots=2,
    peak_occupancy_rate=100.0,
    peak_at="2026-06-17T14:00:00+02:00",
    revenue=6.0,  # 10 + 12 + 13 (D-1's stay paid on D)
    revpas=3.0,
    completed_stays=3,  # 10 (60 min), 11 (120), 12 (60)
    avg_stay_minutes=80.0,
    median_stay_minutes=60.0,
    stay_mix={"1h_2h": 2, "2h_4h": 1},
    unpaid_sessions=1,  # 11: its payment is pending
    unpaid_amount=4.0,
)

HARBOUR_D = zone_day(4, "Harbour", total_slots=0, peak_at="2026-06-17T00:00:00+02:00")

ALL_D = zone_day(
    None,
    "All zones",
    total_slots=5,
    sessions_started=9,  # Old Town's session 14 is not in a counted zone
    turnover=1.8,
    occupied_hours=19.25,
    utilization_rate=16.04,  # 19.25 / (5 x 24)
    peak_occupied_slots=3,  # 14:00: A3 + B1 + B2 (the zones' peaks, 2 + 2, are not at one instant)
    peak_occupancy_rate=60.0,
    peak_at="2026-06-17T14:00:00+02:00",
    revenue=17.0,  # Old Town's 2.00 is not in a counted zone
    revpas=3.4,
    completed_stays=9,
    avg_stay_minutes=118.33,  # 1065 / 9
    median_stay_minutes=60.0,  # 0 15 30 60 [60] 60 120 240 480
    stay_mix={"under_15m": 1, "15m_1h": 2, "1h_2h": 3, "2h_4h": 1, "4h_8h": 1, "over_8h": 1},
    unpaid_sessions=3,
    unpaid_amount=21.0,
)

# D-1 = 2026-06-16 as of its own T (06-16 22:00Z): B2 does not exist yet, session 1 is open,
# session 13's payment (paid on D) does not exist yet.
D1_ROWS = [
    zone_day(
        1,
        "Center",
        total_slots=3,
        sessions_started=2,  # 1 and 15
        turnover=0.67,
        occupied_hours=2.75,  # 1: 22:00-24:00 (open at T), 15: 0.75
        utilization_rate=3.82,  # 2.75 / 72
        peak_occupied_slots=1,
        peak_occupancy_rate=33.33,
        peak_at="2026-06-16T08:00:00+02:00",
        revenue=1.5,
        revpas=0.5,
        completed_stays=1,
        avg_stay_minutes=45.0,
        median_stay_minutes=45.0,
        stay_mix={"15m_1h": 1},
    ),
    zone_day(
        2,
        "Airport",
        total_slots=1,
        sessions_started=2,  # 10 and 13
        turnover=2.0,
        occupied_hours=1.5,  # 13: 1 h, 10: 23:30-24:00
        utilization_rate=6.25,
        peak_occupied_slots=1,
        peak_occupancy_rate=100.0,
        peak_at="2026-06-16T10:00:00+02:00",
        completed_stays=1,
        avg_stay_minutes=60.0,
        median_stay_minutes=60.0,
        stay_mix={"1h_2h": 1},
        unpaid_sessions=1,  # 13: paid only on D
        unpaid_amount=2.0,
    ),
    zone_day(4, "Harbour", total_slots=0, peak_at="2026-06-16T00:00:00+02:00"),
    zone_day(
        None,
        "All zones",
        total_slots=4,
        sessions_started=4,
        turnover=1.0,
        occupied_hours=4.25,
        utilization_rate=4.43,  # 4.25 / 96
        peak_occupied_slots=2,  # 23:30 and 23:45: A1 + B1
        peak_occupancy_rate=50.0,
        peak_at="2026-06-16T23:30:00+02:00",
        revenue=1.5,
        revpas=0.38,  # 0.375, half-up
        completed_stays=2,
        avg_stay_minutes=52.5,
        median_stay_minutes=45.0,  # the lower of 45 and 60
        stay_mix={"15m_1h": 1, "1h_2h": 1},
        unpaid_sessions=1,
        unpaid_amount=2.0,
    ),
]

# D-2 = 2026-06-15: nothing at all happened
D2_ROWS = [
    zone_day(1, "Center", total_slots=3, peak_at="2026-06-15T00:00:00+02:00"),
    zone_day(2, "Airport", total_slots=1, peak_at="2026-06-15T00:00:00+02:00"),
    zone_day(4, "Harbour", total_slots=0, peak_at="2026-06-15T00:00:00+02:00"),
    zone_day(None, "All zones", total_slots=4, peak_at="2026-06-15T00:00:00+02:00"),
]


def _busy_source(folder) -> SourceDB:
    return make_busy_day(SourceDB(folder / "source.sqlite3"))


@pytest.fixture(scope="module")
def busy(tmp_path_factory):
    """Build D, then backfill D-1 on the same warehouse; record what each build showed."""
    db = _busy_source(tmp_path_factory.mktemp("kpi_busy"))
    seen = {"out_d": build_kpis(db, D, BERLIN)}
    seen["rows_after_d"] = {day: kpi_rows(db, day, BERLIN) for day in (D2, D1, D)}
    seen["dates_after_d"] = kpi_dates(db)
    seen["out_backfill"] = build_kpis(db, D1, BERLIN)
    seen["rows_after_backfill"] = {day: kpi_rows(db, day, BERLIN) for day in (D2, D1)}
    yield seen
    db.close()


@pytest.fixture(scope="module")
def busy_fresh(tmp_path_factory):
    """The same source, D-1 built on a new warehouse: what the run on D-1 itself gives."""
    db = _busy_source(tmp_path_factory.mktemp("kpi_busy_fresh"))
    out = build_kpis(db, D1, BERLIN)
    rows = {day: kpi_rows(db, day, BERLIN) for day in (D2, D1)}
    yield out, rows
    db.close()


def test_zone_kpis_center_deactivated_slot_refund_payment_after_t_and_ties(busy):
    assert_json(zone_of(operations(busy["out_d"])["zones"], 1), CENTER_D)


def test_zone_kpis_airport_slot_created_during_the_day(busy):
    assert_json(zone_of(operations(busy["out_d"])["zones"], 2), AIRPORT_D)


def test_zone_kpis_zone_without_counted_slots_rates_zero_stays_null(busy):
    assert_json(zone_of(operations(busy["out_d"])["zones"], 4), HARBOUR_D)


def test_zone_kpis_all_zones_row_sums_and_summed_timeline_peak(busy):
    assert_json(zone_of(operations(busy["out_d"])["zones"], None), ALL_D)


def test_operations_zones_by_zone_id_all_zones_last(busy):
    """Old Town (inactive) has no row; the file's rows equal the mart's rows of D."""
    assert_values(busy["rows_after_d"][D], [CENTER_D, AIRPORT_D, HARBOUR_D, ALL_D])
    zones = operations(busy["out_d"])["zones"]
    assert [z["zone_id"] for z in zones] == [1, 2, 4, None]
    assert_json(zones, [CENTER_D, AIRPORT_D, HARBOUR_D, ALL_D])


def test_occupancy_timeline_of_the_busy_day(busy):
    def at(first, last=None):
        return local_range(D, first, last or first)

    center = {a: 1 for a in at("00:00", "01:45") + at("09:00") + at("10:00", "17:45")}
    center |= {a: 1 for a in at("20:00", "22:45")}
    center |= {a: 2 for a in at("00:30", "00:45") + at("23:00", "23:45")}
    airport = {a: 1 for a in at("00:00", "00:15") + at("15:00", "15:45")}
    airport |= {a: 2 for a in at("14:00", "14:45")}
    expected = (
        timeline(1, "Center", 3, D, BERLIN, center, {0: 0.0, 1: 33.33, 2: 66.67})
        + timeline(2, "Airport", 2, D, BERLIN, airport, {0: 0.0, 1: 50.0, 2: 100.0})
        + timeline(4, "Harbour", 0, D, BERLIN, {}, {0: 0.0})
    )
    got = occupancy_timeline(busy["out_d"])
    assert len(got) == 3 * 96
    assert got[0]["at"] == "2026-06-17T00:00:00+02:00"
    assert got[95]["at"] == "2026-06-17T23:45:00+02:00"
    assert_json(got, expected)


def test_weekday_hour_occupancy_over_28_days(busy):
    """D-27..D = 05-21 (Thu) .. 06-17 (Wed): 4 instants a cell; 5 counted slots as of T, so one
    occupied slot at one of the 4 instants is 5 %. Only D-1 (Tue) and D (Wed) cover full hours."""
    five = (4, 5.0)
    cells = {(2, h): five for h in (8, 10, 22, 23)}
    cells |= {(3, h): five for h in (1, 9, 10, 11, 12, 13, 16, 17, 20, 21, 22)}
    cells |= {(3, 0): (4, 10.0), (3, 14): (4, 15.0), (3, 15): (4, 10.0), (3, 23): (4, 10.0)}
    assert_json(operations(busy["out_d"])["weekday_hour_occupancy"], weekday_hours(cells))


def test_visitors_new_and_returning(busy):
    """Vehicles 1 2 3 4 6 7 9 10 enter on D; new: 1, 3 (only a cancelled entry before), 9, 10.
    Not: 8 (enters exactly at T), 11 (cancelled), 12 and 13 (entered on D-1)."""
    assert_json(
        operations(busy["out_d"])["visitors"],
        {"vehicles": 8, "new_vehicles": 4, "returning_vehicles": 4},
    )


def test_visitors_frequent_eight_visits_in_30_local_days(busy):
    """4: 8 visits (the first at local D-29 00:31, UTC date D-30); 5: 8 visits, none on D;
    6: its 8th visit is on local D-30; 7: one of its 8 sessions is cancelled."""
    assert_json(operations(busy["out_d"])["visitors"], {"frequent_vehicles": 2})


def test_day_never_run_has_its_own_rows_in_the_mart(busy):
    """Building D fills D-1 (never run) as of D-1's own T, and the quiet D-2 with zeros."""
    assert_values(busy["rows_after_d"][D1], D1_ROWS)
    assert_values(busy["rows_after_d"][D2], D2_ROWS)


def test_mart_holds_every_day_of_history(busy):
    """One run fills every day, from the first day of data (local D-30, vehicle 6) to D."""
    days = busy["dates_after_d"]
    assert days[-1] == D
    assert days[0] <= D - timedelta(days=30)
    assert days == [days[0] + timedelta(days=n) for n in range(len(days))]


def test_backfilled_day_gives_the_same_rows(busy):
    assert_values(busy["rows_after_backfill"][D1], D1_ROWS)
    assert_values(busy["rows_after_backfill"][D2], D2_ROWS)
    assert busy["rows_after_backfill"][D1] == busy["rows_after_d"][D1]
    assert_json(operations(busy["out_backfill"])["zones"], D1_ROWS)


def test_running_the_day_itself_gives_the_same_rows(busy, busy_fresh):
    out, rows = busy_fresh
    assert_values(rows[D1], D1_ROWS)
    assert_values(rows[D2], D2_ROWS)
    assert rows[D1] == busy["rows_after_d"][D1]
    assert rows[D2] == busy["rows_after_d"][D2]
    assert_json(operations(out)["zones"], D1_ROWS)


# --------------------------------------------------------------------------- daylight saving


@pytest.fixture(scope="module")
def dst(tmp_path_factory):
    """Spring day, then autumn day, on one warehouse: the JSON outputs and mart rows of each,
    and the spring day's mart rows once more after the autumn build."""
    db = make_dst_days(SourceDB(tmp_path_factory.mktemp("kpi_dst") / "source.sqlite3"))
    seen = {"spring": (build_kpis(db, SPRING_D, BERLIN), kpi_rows(db, SPRING_D, BERLIN))}
    seen["autumn"] = (build_kpis(db, AUTUMN_D, BERLIN), kpi_rows(db, AUTUMN_D, BERLIN))
    seen["spring_rows_later"] = kpi_rows(db, SPRING_D, BERLIN)
    yield seen
    db.close()


@pytest.fixture(scope="module")
def spring(dst):
    return dst["spring"]


@pytest.fixture(scope="module")
def autumn(dst):
    return dst["autumn"]


SPRING_ZONE = {
    "total_slots": 2,
    "sessions_started": 1,  # session 2 entered on D-1
    "turnover": 0.5,
    "occupied_hours": 25.0,  # A2 all 23 h of the window, A1 2 real hours
    "utilization_rate": 54.35,  # 25 / (2 x 23)
    "peak_occupied_slots": 2,
    "peak_occupancy_rate": 100.0,
    "peak_at": "2026-03-29T01:00:00+01:00",
    "revenue": 4.0,
    "revpas": 2.0,
    "completed_stays": 1,
    "avg_stay_minutes": 120.0,  # 01:00 CET -> 04:00 CEST
    "median_stay_minutes": 120.0,
    "stay_mix": {"2h_4h": 1},
}


def test_spring_forward_timeline_has_92_instants_and_no_hour_two(spring):
    out, _ = spring
    got = occupancy_timeline(out)
    two = [
        "2026-03-29T01:00:00+01:00",
        "2026-03-29T01:15:00+01:00",
        "2026-03-29T01:30:00+01:00",
        "2026-03-29T01:45:00+01:00",
        "2026-03-29T03:00:00+02:00",
        "2026-03-29T03:15:00+02:00",
        "2026-03-29T03:30:00+02:00",
        "2026-03-29T03:45:00+02:00",
    ]
    assert len(got) == 92
    assert [row["at"] for row in got[6:10]] == two[2:6]  # 01:45+01:00 is followed by 03:00+02:00
    assert got[-1]["at"] == "2026-03-29T23:45:00+02:00"
    assert not [row for row in got if row["at"][11:13] == "02"]
    assert_json(
        got,
        timeline(1, "Center", 2, SPRING_D, BERLIN, dict.fromkeys(two, 2), {1: 50.0, 2: 100.0}, 1),
    )


def test_spring_forward_zone_kpis_use_the_23_hour_window(spring):
    out, mart = spring
    expected = [zone_day(1, "Center", **SPRING_ZONE), zone_day(None, "All zones", **SPRING_ZONE)]
    assert_values(mart, expected)
    assert_json(operations(out)["zones"], expected)


def test_spring_forward_row_kept_as_of_its_own_t(dst):
    """Built again within the autumn build, the spring day still shows session 2 open at its T
    (it left on 03-30) and the same counted slots."""
    expected = [zone_day(1, "Center", **SPRING_ZONE), zone_day(None, "All zones", **SPRING_ZONE)]
    assert_values(dst["spring_rows_later"], expected)
    assert dst["spring_rows_later"] == dst["spring"][1]


def test_spring_forward_weekday_hour_has_three_instants_at_two(spring):
    """D-27..D = 03-02 (Mon) .. 03-29 (Sun); 2 slots. Sunday 02:00 exists on 3 Sundays only; on
    03-22 one slot was occupied then: 50 / 3. A2 is occupied at every instant of D (12.5 a cell),
    A1 too at 01:00 CET and 03:00 CEST (25)."""
    out, _ = spring
    cells = {(7, h): (4, 12.5) for h in range(24)}
    cells |= {(7, 1): (4, 25.0), (7, 2): (3, 16.67), (7, 3): (4, 25.0)}
    cells |= {(6, 22): (4, 12.5), (6, 23): (4, 12.5)}
    assert_json(operations(out)["weekday_hour_occupancy"], weekday_hours(cells))


def test_spring_forward_visitors(spring):
    out, _ = spring
    assert_json(
        operations(out)["visitors"],
        {"vehicles": 1, "new_vehicles": 0, "returning_vehicles": 1, "frequent_vehicles": 0},
    )


AUTUMN_ZONE = {
    "total_slots": 2,
    "sessions_started": 1,
    "turnover": 0.5,
    "occupied_hours": 25.75,  # A2 all 25 h, A1 45 real minutes
    "utilization_rate": 51.5,  # 25.75 / (2 x 25)
    "peak_occupied_slots": 2,
    "peak_occupancy_rate": 100.0,
    "peak_at": "2026-10-25T02:30:00+02:00",
    "revenue": 0.0,  # its payment is refunded
    "revpas": 0.0,
    "completed_stays": 1,
    "avg_stay_minutes": 45.0,  # 02:30 CEST -> 02:15 CET
    "median_stay_minutes": 45.0,
    "stay_mix": {"15m_1h": 1},
    "unpaid_sessions": 1,
    "unpaid_amount": 2.0,
}


def test_fall_back_timeline_has_100_instants_and_hour_two_twice(autumn):
    out, _ = autumn
    got = occupancy_timeline(out)
    two = ["2026-10-25T02:30:00+02:00", "2026-10-25T02:45:00+02:00", "2026-10-25T02:00:00+01:00"]
    assert len(got) == 100
    assert [row["at"] for row in got[10:14]] == two + ["2026-10-25T02:15:00+01:00"]
    assert got[-1]["at"] == "2026-10-25T23:45:00+01:00"
    assert len([row for row in got if row["at"][11:13] == "02"]) == 8
    assert_json(
        got,
        timeline(1, "Center", 2, AUTUMN_D, BERLIN, dict.fromkeys(two, 2), {1: 50.0, 2: 100.0}, 1),
    )


def test_fall_back_zone_kpis_use_the_25_hour_window(autumn):
    out, mart = autumn
    expected = [zone_day(1, "Center", **AUTUMN_ZONE), zone_day(None, "All zones", **AUTUMN_ZONE)]
    assert_values(mart, expected)
    assert_json(operations(out)["zones"], expected)


def test_fall_back_weekday_hour_has_five_instants_at_two(autumn):
    """D-27..D = 09-28 (Mon) .. 10-25 (Sun). Sunday 02:00 is there twice on D: 02:00 CEST (A2)
    and 02:00 CET (A2 and A1): (1 + 2) / (5 x 2) = 30 %."""
    out, _ = autumn
    cells = {(7, h): (4, 12.5) for h in range(24)}
    cells |= {(7, 2): (5, 30.0), (6, 23): (4, 12.5)}
    assert_json(operations(out)["weekday_hour_occupancy"], weekday_hours(cells))


def test_fall_back_visitors(autumn):
    out, _ = autumn
    assert_json(
        operations(out)["visitors"],
        {"vehicles": 1, "new_vehicles": 1, "returning_vehicles": 0, "frequent_vehicles": 0},
    )


def test_instants_helper_follows_the_definition():
    """The expected-row helper itself: 96, 92 and 100 instants of real 15 minutes."""
    assert len(instants(D, BERLIN)) == 96
    assert len(instants(SPRING_D, BERLIN)) == 92
    assert len(instants(AUTUMN_D, BERLIN)) == 100
    assert instants(date(2026, 3, 8), "America/New_York")[8] == "2026-03-08T03:00:00-04:00"
