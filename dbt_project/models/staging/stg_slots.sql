-- stg_slots: trusted parking slots (their zone is trusted too).
with

checked as (select * from {{ ref('int_slots__checked') }}),
quarantined as (select * from {{ ref('quarantined_slots') }}),

trusted as (
    select
        checked.slot_id,
        checked.zone_id,
        checked.slot_number,
        checked.slot_type,
        checked.is_occupied as is_occupied_now,
        checked.is_active,
        checked.created_at,
        {{ to_local('checked.created_at') }} as created_at_local,
        checked.updated_at
    from checked
    {{ anti_join() }} quarantined
        on checked.slot_id = quarantined.slot_id
    where not checked.is_deleted
)

select * from trusted
