-- occupancy_timeline: every counted zone has the instants of D every 15 minutes of real elapsed
-- time from D 00:00 local while before T - 96, or 92 / 100 on a daylight-saving day - the
-- same number for every zone, the first at D 00:00 and the last 15 minutes before T.
with

timeline as (select * from {{ ref('occupancy_timeline') }}),

expected as (
    select {{ int_div(epoch_us(as_of_t()) ~ " - " ~ epoch_us(day_start()), "900000000") }} as instants
),

per_zone as (
    select
        zone_id,
        count(*) as instants,
        count(distinct {{ adapter.quote('at') }}) as distinct_instants,
        min({{ adapter.quote('at') }}) as first_at,
        max({{ adapter.quote('at') }}) as last_at
    from timeline
    group by zone_id
)

select per_zone.*
from per_zone
cross join expected
where per_zone.instants <> expected.instants
    or per_zone.distinct_instants <> expected.instants
    or per_zone.instants not in (92, 96, 100)
    or per_zone.first_at <> {{ day_start() }}
    or per_zone.last_at <> {{ as_of_t() }} - interval 15 minute
