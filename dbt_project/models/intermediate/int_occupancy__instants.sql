-- int_occupancy__instants: occupied counted slots per counted zone at every 15-minute instant of
-- real elapsed time in the 28 local days D-27..D, slots and zones counted as of T. Computed from
-- the stays' +1/-1 events on the instant grid (macros/occupancy.sql), each slot's overlapping
-- stays merged first so that a slot counts once. Used by occupancy_timeline (the instants of D)
-- and weekday_hour_occupancy (the full-hour instants of the 28 days).
with

zones as (select * from {{ ref('dim_zones') }}),
counted_slots as (select * from {{ ref('int_slots__counted') }}),
sessions as (select * from {{ ref('int_sessions__as_of_t') }}),

bounds as (
    select
        {{ epoch_us(local_midnight(run_date() ~ " - 27")) }} as from_us,
        {{ epoch_us(as_of_t()) }} as to_us
),

counted_zones as (
    select
        zone_id,
        zone_name
    from zones
    where is_active
        and created_at <= {{ as_of_t() }}
),

zone_slots as (
    select
        zone_id,
        count(*) as total_slots
    from counted_slots
    group by zone_id
),

-- the part of every stay on a counted slot inside the 28 days (never past T)
stays as (
    select
        counted_slots.zone_id,
        sessions.slot_id,
        sessions.session_id,
        greatest({{ epoch_us('sessions.entry_at') }}, bounds.from_us) as start_us,
        least(coalesce({{ epoch_us('sessions.exit_at') }}, bounds.to_us), bounds.to_us) as end_us
    from sessions
    inner join counted_slots
        on sessions.slot_id = counted_slots.slot_id
    cross join bounds
    where sessions.status <> 'cancelled'
        and {{ epoch_us('sessions.entry_at') }} < bounds.to_us
        and (sessions.exit_at is null or {{ epoch_us('sessions.exit_at') }} > bounds.from_us)
),

merged as (
    select * from {{ merged_intervals('stays', 'zone_id, slot_id', 'slot_id', 'session_id') }}
),

events as (
    select * from {{ occupancy_events('merged', 'zone_id') }}
),

instants as (
    select grid.instant_index
    from bounds
    {{ lateral_integer_series(int_div('bounds.from_us', quarter_hour_us()),
                              int_div('bounds.to_us', quarter_hour_us()), 'grid', 'instant_index') }}
),

final as (
    select
        counted_zones.zone_id,
        counted_zones.zone_name,
        coalesce(zone_slots.total_slots, 0) as total_slots,
        instants.instant_index,
        {{ instant_of('instants.instant_index') }} as {{ adapter.quote('at') }},
        cast(sum(coalesce(events.delta, 0)) over (
            partition by counted_zones.zone_id
            order by instants.instant_index
            rows between unbounded preceding and current row
        ) as bigint) as occupied_slots
    from counted_zones
    cross join instants
    left join zone_slots
        on counted_zones.zone_id = zone_slots.zone_id
    left join events
        on counted_zones.zone_id = events.zone_id
        and instants.instant_index = events.instant_index
)

select * from final
