"""Hand-made sources and expected-row helpers for the operator KPI spec tests
(tests/test_spec_operator_kpis.py, outputs 10-13 of ../shared/analytics-spec.md).

Written from the spec alone, without reading the models, as a second reading. The helpers
only shape hand-computed numbers into the output rows; the one thing computed here is the list
of timeline instants (D 00:00 local + k x 15 min of real time while t < T), which is the spec's
own definition and does not depend on any data.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import duckdb
from sourcedb import SourceDB
from spec_scenarios import BERLIN, _plain, as_json, build, connect

STAY_BUCKETS = ("under_15m", "15m_1h", "1h_2h", "2h_4h", "4h_8h", "over_8h")


def utc(local: str, tz: str = BERLIN) -> str:
    """'2026-06-17 09:00' (local wall clock, not on a DST gap or overlap) -> UTC text as Django stores it."""
    moment = datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(tz))
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")


# --------------------------------------------------------------------------- expected rows


def zone_day(
    zone_id: int | None,
    zone_name: str,
    *,
    total_slots: int,
    sessions_started: int = 0,
    turnover: float = 0.0,
    occupied_hours: float = 0.0,
    utilization_rate: float = 0.0,
    peak_occupied_slots: int = 0,
    peak_occupancy_rate: float = 0.0,
    peak_at: str,
    revenue: float = 0.0,
    revpas: float = 0.0,
    completed_stays: int = 0,
    avg_stay_minutes: float | None = None,
    median_stay_minutes: float | None = None,
    stay_mix: dict[str, int] | None = None,
    unpaid_sessions: int = 0,
    unpaid_amount: float = 0.0,
) -> dict:
    """One zone_day_kpis row in the shape of operations.json (stay_mix as an object)."""
    return {
        "zone_id": zone_id,
        "zone_name": zone_name,
        "total_slots": total_slots,
        "sessions_started": sessions_started,
        "turnover": turnover,
        "occupied_hours": occupied_hours,
        "utilization_rate": utilization_rate,
        "peak_occupied_slots": peak_occupied_slots,
        "peak_occupancy_rate": peak_occupancy_rate,
        "peak_at": peak_at,
        "revenue": revenue,
        "revpas": revpas,
        "completed_stays": completed_stays,
        "avg_stay_minutes": avg_stay_minutes,
        "median_stay_minutes": median_stay_minutes,
        "stay_mix": {bucket: (stay_mix or {}).get(bucket, 0) for bucket in STAY_BUCKETS},
        "unpaid_sessions": unpaid_sessions,
        "unpaid_amount": unpaid_amount,
    }


def instants(day: date, tz: str) -> list[str]:
    """The timeline instants of `day` as ISO text with the local offset (92, 96 or 100)."""
    zone = ZoneInfo(tz)
    start = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone).astimezone(UTC)
    count = int((end - start) / timedelta(minutes=15))
    return [(start + k * timedelta(minutes=15)).astimezone(zone).isoformat() for k in range(count)]


def local_range(day: date, first: str, last: str, tz: str = BERLIN) -> list[str]:
    """The instants of `day` from local HH:MM `first` to `last` inclusive (a day without DST)."""
    return [at for at in instants(day, tz) if first <= at[11:16] <= last]


def timeline(
    zone_id: int,
    zone_name: str,
    total_slots: int,
    day: date,
    tz: str,
    occupied: dict[str, int],
    rates: dict[int, float],
    default: int = 0,
) -> list[dict]:
    """A zone's expected timeline: `occupied` maps an instant's ISO text to its hand count,
    `rates` maps each count to its hand-computed percentage."""
    rows = []
    for at in instants(day, tz):
        count = occupied.get(at, default)
        rows.append(
            {
                "zone_id": zone_id,
                "zone_name": zone_name,
                "at": at,
                "occupied_slots": count,
                "total_slots": total_slots,
                "occupancy_rate": rates[count],
            }
        )
    return rows


def weekday_hours(cells: dict[tuple[int, int], tuple[int, float | None]]) -> list[dict]:
    """168 rows; `cells` gives (instants, avg_occupancy_rate) where they are not (4, 0.0)."""
    return [
        {
            "weekday": weekday,
            "hour": hour,
            "instants": cells.get((weekday, hour), (4, 0.0))[0],
            "avg_occupancy_rate": cells.get((weekday, hour), (4, 0.0))[1],
        }
        for weekday in range(1, 8)
        for hour in range(24)
    ]


# --------------------------------------------------------------------------- running and reading


def build_kpis(db: SourceDB, run_date: date, tz: str) -> dict:
    """spec_scenarios.build for `run_date`, then the operator outputs as the daily run writes
    them to occupancy_timeline.json and operations.json (through a JSON round trip)."""
    from parking_warehouse.reports.outputs import build_operator_outputs

    build(db, run_date, tz)
    con = connect(db)
    try:
        return as_json(build_operator_outputs(con, timezone=tz))
    finally:
        con.close()


def kpi_rows(db: SourceDB, day: date, tz: str) -> list[dict]:
    """marts.zone_day_kpis of one local day, by zone_id with the All-zones row last, in the
    shape of operations.json (stay_* columns folded into stay_mix, instants as local ISO text;
    bookkeeping columns whose name starts with '_' left out)."""
    con = connect(db)
    try:
        cursor = con.execute(
            "select * from marts.zone_day_kpis where kpi_date = ? order by zone_id nulls last",
            [day],
        )
        names = [d[0] for d in cursor.description]
        rows = cursor.fetchall()
    finally:
        con.close()
    result = []
    for row in rows:
        record = {
            name: _plain(value, tz) for name, value in zip(names, row) if not name.startswith("_")
        }
        record["stay_mix"] = {bucket: record.pop(f"stay_{bucket}") for bucket in STAY_BUCKETS}
        result.append(record)
    return result


def kpi_dates(db: SourceDB) -> list[date]:
    con = connect(db)
    try:
        return [
            r[0]
            for r in con.execute(
                "select distinct kpi_date from marts.zone_day_kpis order by kpi_date"
            ).fetchall()
        ]
    finally:
        con.close()


def assert_values(got, expected) -> None:
    """Exact values (numbers compared as numbers, 3 == 3.0), extra fields allowed: for marts,
    whose column types are not the JSON contract."""
    from spec_scenarios import _project

    assert _project(got, expected) == expected


def mart_table(db: SourceDB, sql: str, tz: str) -> list[dict]:
    con: duckdb.DuckDBPyConnection = connect(db)
    try:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [{n: _plain(v, tz) for n, v in zip(names, row)} for row in cursor.fetchall()]
    finally:
        con.close()


# --------------------------------------------------------------------------- scenario: a busy day
#
# D = 2026-06-17 (Wednesday, CEST +02:00), W(D) = [06-16 22:00Z, 06-17 22:00Z).
# Times below are local; utc() converts them. Zones and slots:
#   1 Center   A1 A2 A3 counted, A4 deactivated (is_active=0)         -> 3 counted slots
#   2 Airport  B1 counted, B2 created on D at 12:00 local             -> 1 slot on D-1, 2 on D
#   3 Old Town inactive zone, slot C1                                 -> no row anywhere
#   4 Harbour  one deactivated slot H1                                -> a counted zone, 0 slots

BUSY_D = date(2026, 6, 17)


def _short_visit(db: SourceDB, vehicle: int, day: date, hhmm: str, status: str | None = None):
    """A 10-minute visit on A1 that covers no timeline instant (e.g. 12:20-12:30)."""
    start = datetime.fromisoformat(f"{day.isoformat()} {hhmm}")
    db.session(
        1,
        vehicle,
        entry=utc(str(start)),
        exit=utc(str(start + timedelta(minutes=10))),
        status=status,
        amount="0.00",
    )


def make_busy_day(db: SourceDB) -> SourceDB:
    d = BUSY_D

    def ago(n: int) -> date:
        return d - timedelta(days=n)

    db.zone("Center", "2.00", id=1)
    db.zone("Airport", "2.00", id=2)
    db.zone("Old Town", "2.00", id=3, is_active=0)
    db.zone("Harbour", "2.00", id=4)
    db.slot(1, "A1", id=1)
    db.slot(1, "A2", id=2)
    db.slot(1, "A3", id=3)
    db.slot(1, "A4", id=4, is_active=0)  # deactivated later: its sessions still count as visits
    db.slot(2, "B1", id=5)
    db.slot(2, "B2", id=6, created=utc("2026-06-17 12:00"))  # counted on D, not on D-1
    db.slot(3, "C1", id=7)  # zone inactive
    db.slot(4, "H1", id=8, is_active=0)  # Harbour has no counted slot

    plates = {
        1: "B-NEW 1",  # first visits ever on D: new
        2: "B-RET 2",  # visited D-1: returning
        3: "B-CAN 3",  # only a cancelled session before D: new
        4: "B-FRQ 4",  # 8 visits in D-29..D including D: frequent
        5: "B-FRQ 5",  # 8 visits in D-29..D-1, none on D: frequent, not a visitor of D
        6: "B-OLD 6",  # 7 visits in the 30 days (its 8th is on D-30): not frequent
        7: "B-SEV 7",  # 8 sessions in the 30 days, one cancelled: not frequent
        8: "B-ATT 8",  # enters exactly at T: a visit of D+1
        9: "B-LATE 9",  # enters 23:00 on D, exits after T: new
        10: "B-NEW 10",  # new
        11: "B-CXL 11",  # only a cancelled session on D: not a visitor
        12: "B-MID 12",  # entries on D-1 only
        13: "B-MID 13",  # entry on D-1 only
    }
    for vehicle_id, plate in plates.items():
        db.vehicle(plate, id=vehicle_id)

    s, p = db.session, db.payment
    # --- Center
    s(1, 12, id=1, entry=utc("2026-06-16 22:00"), exit=utc("2026-06-17 02:00"), amount="8.00")
    p(1, "8.00", id=1, transaction_id="K-1", paid_at=utc("2026-06-17 02:00:30"))
    s(2, 3, id=2, entry=utc("2026-06-17 20:00"))  # open at T
    s(3, 1, id=3, entry=utc("2026-06-17 09:00"), exit=utc("2026-06-17 09:15"), amount="1.00")
    p(
        3,
        "1.00",
        id=3,
        method="online",
        status="refunded",
        transaction_id="K-3",
        paid_at=utc("2026-06-17 09:16"),
    )
    s(3, 1, id=4, entry=utc("2026-06-17 10:00"), exit=utc("2026-06-17 18:00"), amount="16.00")
    p(
        4,
        "16.00",
        id=4,
        method="online",
        transaction_id="K-4",
        created=utc("2026-06-17 18:00:10"),
        paid_at=utc("2026-06-18 08:00"),
    )  # created before T, paid after T
    s(4, 7, id=5, entry=utc("2026-06-17 12:00"), exit=utc("2026-06-17 13:00"), amount="2.00")
    p(5, "2.00", id=5, transaction_id="K-5", paid_at=utc("2026-06-17 13:00:10"))
    s(
        1,
        11,
        id=6,
        entry=utc("2026-06-17 14:00"),
        exit=utc("2026-06-17 15:00"),
        status="cancelled",
        amount="2.00",
    )
    s(1, 6, id=7, entry=utc("2026-06-17 11:00"), exit=utc("2026-06-17 11:00"), amount="0.00")
    s(1, 9, id=8, entry=utc("2026-06-17 23:00"), exit=utc("2026-06-18 01:00"), amount="4.00")
    p(8, "4.00", id=8, transaction_id="K-8", paid_at=utc("2026-06-18 01:00:10"))
    s(2, 2, id=9, entry=utc("2026-06-17 00:30"), exit=utc("2026-06-17 01:00"), amount="1.00")
    p(9, "1.00", id=9, transaction_id="K-9", paid_at=utc("2026-06-17 01:00:05"))
    s(2, 2, id=15, entry=utc("2026-06-16 08:00"), exit=utc("2026-06-16 08:45"), amount="1.50")
    p(15, "1.50", id=15, transaction_id="K-15", paid_at=utc("2026-06-16 08:45:10"))
    s(3, 8, id=16, entry=utc("2026-06-18 00:00"), exit=utc("2026-06-18 01:00"), amount="2.00")
    # --- Airport
    s(5, 13, id=10, entry=utc("2026-06-16 23:30"), exit=utc("2026-06-17 00:30"), amount="2.00")
    p(10, "2.00", id=10, method="online", transaction_id="K-10", paid_at=utc("2026-06-17 00:30:10"))
    s(6, 10, id=11, entry=utc("2026-06-17 14:00"), exit=utc("2026-06-17 16:00"), amount="4.00")
    p(
        11,
        "4.00",
        id=11,
        method="online",
        status="pending",
        transaction_id="K-11",
        created=utc("2026-06-17 16:00:10"),
    )
    s(5, 4, id=12, entry=utc("2026-06-17 14:00"), exit=utc("2026-06-17 15:00"), amount="2.00")
    p(12, "2.00", id=12, transaction_id="K-12", paid_at=utc("2026-06-17 15:00:10"))
    s(5, 12, id=13, entry=utc("2026-06-16 10:00"), exit=utc("2026-06-16 11:00"), amount="2.00")
    p(13, "2.00", id=13, transaction_id="K-13", paid_at=utc("2026-06-17 09:00"))  # paid on D
    # --- Old Town (inactive zone)
    s(7, 2, id=14, entry=utc("2026-06-17 10:00"), exit=utc("2026-06-17 11:00"), amount="2.00")
    p(14, "2.00", id=14, transaction_id="K-14", paid_at=utc("2026-06-17 11:00:10"))

    # --- the 30-day history of visits (10 minutes each, never on D-2 or D-1)
    _short_visit(db, 4, ago(29), "00:31")  # 2026-05-19 00:31 local = 05-18 22:31Z: inside
    for n in (20, 15, 10, 8, 6, 4):
        _short_visit(db, 4, ago(n), "12:20")
    for n in (28, 26, 24, 22, 20, 18, 16, 14):
        _short_visit(db, 5, ago(n), "13:20")
    _short_visit(db, 6, ago(30), "23:31")  # local D-30: outside the 30 days
    for n in (27, 25, 23, 21, 19, 17):
        _short_visit(db, 6, ago(n), "14:20")
    for n in (13, 12, 11, 9, 7, 5):
        _short_visit(db, 7, ago(n), "15:20")
    _short_visit(db, 7, ago(3), "15:20", status="cancelled")
    _short_visit(db, 3, ago(5), "16:20", status="cancelled")
    return db


# --------------------------------------------------------------------------- daylight-saving days
# Europe/Berlin, one zone "Center" with two slots; one source for both days (built in order on
# one warehouse, as a daily schedule would). Source times are UTC.

SPRING_D = date(2026, 3, 29)  # 02:00 CET -> 03:00 CEST at 01:00Z; Sunday
AUTUMN_D = date(2026, 10, 25)  # 03:00 CEST -> 02:00 CET at 01:00Z; Sunday


def make_dst_days(db: SourceDB) -> SourceDB:
    db.zone("Center", "2.00", id=1)
    db.slot(1, "A1", id=1)
    db.slot(1, "A2", id=2)
    for i in (1, 2, 3):
        db.vehicle(f"B-DST {i}", id=i)
    s, p = db.session, db.payment
    # --- spring: 01:00 CET -> 04:00 CEST, two real hours
    s(1, 3, id=1, entry="2026-03-29 00:00:00", exit="2026-03-29 02:00:00", amount="4.00")
    p(1, "4.00", id=1, transaction_id="SP-1", paid_at="2026-03-29 02:00:10")
    # 2026-03-28 22:00 CET, still parked at T (leaves on 03-30 at 12:00 CEST)
    s(2, 2, id=2, entry="2026-03-28 21:00:00", exit="2026-03-30 10:00:00", amount="70.00")
    # a week earlier, Sunday 03-22 02:00-02:30 CET: the only use of local hour 2 on a Sunday
    s(1, 3, id=3, entry="2026-03-22 01:00:00", exit="2026-03-22 01:30:00", amount="1.00")
    p(3, "1.00", id=3, transaction_id="SP-3", paid_at="2026-03-22 01:30:10")
    # --- autumn: 02:30 CEST -> 02:15 CET, 45 real minutes although the wall clock went back
    s(1, 1, id=11, entry="2026-10-25 00:30:00", exit="2026-10-25 01:15:00", amount="2.00")
    p(
        11,
        "2.00",
        id=11,
        method="online",
        status="refunded",
        transaction_id="AU-11",
        paid_at="2026-10-25 01:15:10",
    )
    # 2026-10-24 23:00 CEST, still parked at T
    s(2, 2, id=12, entry="2026-10-24 21:00:00")
    return db
