-- active_sessions: the sessions active at T (entered by T, not exited by T, not cancelled).
with

sessions as (select * from {{ ref('int_sessions__as_of_t') }}),
vehicles as (select * from {{ ref('dim_vehicles') }}),
slots as (select * from {{ ref('dim_slots') }}),

final as (
    select
        sessions.session_id,
        vehicles.vehicle_number,
        vehicles.vehicle_type,
        vehicles.owner_id,
        slots.zone_id,
        slots.zone_name,
        sessions.slot_id,
        slots.slot_number,
        sessions.entry_at as entry_time,
        {{ hours_between('sessions.entry_at', as_of_t()) }} as duration_hours
    from sessions
    inner join vehicles
        on sessions.vehicle_id = vehicles.vehicle_id
    inner join slots
        on sessions.slot_id = slots.slot_id
    where sessions.is_active_at_t
)

select * from final
order by entry_time, session_id
