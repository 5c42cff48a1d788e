-- dim_slots: one row per trusted slot, with its zone's name and state denormalised.
with

slots as (select * from {{ ref('stg_slots') }}),
zones as (select * from {{ ref('stg_zones') }}),

final as (
    select
        slots.slot_id,
        slots.slot_number,
        slots.slot_type,
        slots.zone_id,
        zones.zone_name,
        slots.is_active,
        zones.is_active as zone_is_active,
        slots.created_at,
        zones.created_at as zone_created_at,
        slots.is_occupied_now
    from slots
    inner join zones
        on slots.zone_id = zones.zone_id
)

select * from final
