-- quarantined_sessions: extracted sessions that cannot be trusted: broken on their own, or on a
-- slot or vehicle that is missing or untrusted (orphan key).
with

checked as (select * from {{ ref('int_sessions__checked') }}),
trusted_slots as (select slot_id from {{ ref('stg_slots') }}),
trusted_vehicles as (select vehicle_id from {{ ref('stg_vehicles') }}),

reasoned as (
    select
        checked.session_id,
        case
            when checked.own_reason is not null then checked.own_reason
            when trusted_slots.slot_id is null or trusted_vehicles.vehicle_id is null
                then 'orphan key'
        end as reason,
        checked._loaded_at
    from checked
    left join trusted_slots
        on checked.slot_id = trusted_slots.slot_id
    left join trusted_vehicles
        on checked.vehicle_id = trusted_vehicles.vehicle_id
    where not checked.is_deleted
)

select * from reasoned
where reason is not null
