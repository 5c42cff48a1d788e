-- stg_zones: trusted parking zones.
with

checked as (select * from {{ ref('int_zones__checked') }}),
quarantined as (select * from {{ ref('quarantined_zones') }}),

trusted as (
    select
        checked.zone_id,
        checked.zone_name,
        checked.description,
        checked.hourly_rate,
        checked.is_active,
        checked.created_at,
        {{ to_local('checked.created_at') }} as created_at_local,
        checked.updated_at
    from checked
    {{ anti_join() }} quarantined
        on checked.zone_id = quarantined.zone_id
    where not checked.is_deleted
)

select * from trusted
