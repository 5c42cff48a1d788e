-- weekday_hour_occupancy: every ISO weekday 1-7 x local hour 0-23 exactly once; 4 instants per
-- cell except around a daylight-saving change (0, 3 or 5), 28 x 24 full-hour instants in all
-- save the hour a change adds or removes.
with

cells as (select * from {{ ref('weekday_hour_occupancy') }}),

checks as (
    select
        count(*) as cells,
        count(distinct weekday * 100 + hour) as distinct_cells,
        count(*) filter (where weekday not between 1 and 7 or hour not between 0 and 23) as outside,
        count(*) filter (where instants not in (0, 3, 4, 5)) as odd_instants,
        count(*) filter (where (instants = 0) <> (avg_occupancy_rate is null)) as null_mismatch,
        sum(instants) as instants
    from cells
)

select *
from checks
where cells <> 168
    or distinct_cells <> 168
    or outside > 0
    or odd_instants > 0
    or null_mismatch > 0
    or instants not between 28 * 24 - 2 and 28 * 24 + 2
