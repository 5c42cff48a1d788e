-- quarantined_slots: extracted slots that cannot be trusted: broken on their own, or in a zone
-- that is missing or untrusted (orphan key).
with

checked as (select * from {{ ref('int_slots__checked') }}),
trusted_zones as (select zone_id from {{ ref('stg_zones') }}),

reasoned as (
    select
        checked.slot_id,
        case
            when checked.own_reason is not null then checked.own_reason
            when trusted_zones.zone_id is null then 'orphan key'
        end as reason,
        checked._loaded_at
    from checked
    left join trusted_zones
        on checked.zone_id = trusted_zones.zone_id
    where not checked.is_deleted
)

select * from reasoned
where reason is not null
