-- quarantined_zones: extracted zones that cannot be trusted, with the reason.
with

checked as (select * from {{ ref('int_zones__checked') }}),

quarantined as (
    select
        zone_id,
        own_reason as reason,
        _loaded_at
    from checked
    where not is_deleted
        and own_reason is not null
)

select * from quarantined
