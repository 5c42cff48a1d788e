-- int_slots__counted: the slots counted at T: active, in an active zone, both created by T.
with

slots as (select * from {{ ref('dim_slots') }}),

counted as (
    select
        slot_id,
        slot_number,
        slot_type,
        zone_id,
        zone_name
    from slots
    where is_active
        and zone_is_active
        and created_at <= {{ as_of_t() }}
        and zone_created_at <= {{ as_of_t() }}
)

select * from counted
