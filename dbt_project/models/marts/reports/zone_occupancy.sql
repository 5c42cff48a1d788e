-- zone_occupancy: occupancy as of T, one row per counted zone (active and created by T).
with

zones as (select * from {{ ref('dim_zones') }}),
slots as (select * from {{ ref('dim_slots') }}),
counted_slots as (select * from {{ ref('int_slots__counted') }}),
sessions as (select * from {{ ref('int_sessions__as_of_t') }}),

counted_zones as (
    select zone_id, zone_name
    from zones
    where is_active
        and created_at <= {{ as_of_t() }}
),

active_sessions as (
    select
        sessions.session_id,
        sessions.slot_id,
        slots.zone_id
    from sessions
    inner join slots
        on sessions.slot_id = slots.slot_id
    where sessions.is_active_at_t
),

slot_counts as (
    select
        zone_id,
        count(*) as total_slots,
        count(*) filter (
            where slot_id in (select slot_id from active_sessions)
        ) as occupied_slots
    from counted_slots
    group by zone_id
),

session_counts as (
    select zone_id, count(*) as active_sessions
    from active_sessions
    group by zone_id
),

final as (
    select
        counted_zones.zone_id,
        counted_zones.zone_name,
        coalesce(slot_counts.total_slots, 0) as total_slots,
        coalesce(slot_counts.occupied_slots, 0) as occupied_slots,
        coalesce(slot_counts.total_slots, 0) - coalesce(slot_counts.occupied_slots, 0)
            as available_slots,
        {{ rate_percent('coalesce(slot_counts.occupied_slots, 0)', 'coalesce(slot_counts.total_slots, 0)') }}
            as occupancy_rate,
        coalesce(session_counts.active_sessions, 0) as active_sessions
    from counted_zones
    left join slot_counts
        on counted_zones.zone_id = slot_counts.zone_id
    left join session_counts
        on counted_zones.zone_id = session_counts.zone_id
)

select * from final
order by zone_id
