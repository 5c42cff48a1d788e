-- stg_vehicles: trusted vehicles (their owner, if any, is trusted too); plates as stored.
with

checked as (select * from {{ ref('int_vehicles__checked') }}),
quarantined as (select * from {{ ref('quarantined_vehicles') }}),

trusted as (
    select
        checked.vehicle_id,
        checked.vehicle_number,
        checked.vehicle_type,
        checked.owner_id,
        checked.created_at,
        checked.updated_at
    from checked
    {{ anti_join() }} quarantined
        on checked.vehicle_id = quarantined.vehicle_id
    where not checked.is_deleted
)

select * from trusted
