-- quarantined_vehicles: extracted vehicles that cannot be trusted: broken on their own, or whose
-- owner is missing or untrusted (orphan key). A vehicle without owner (walk-in) is fine.
with

checked as (select * from {{ ref('int_vehicles__checked') }}),
trusted_users as (select user_id from {{ ref('stg_users') }}),

reasoned as (
    select
        checked.vehicle_id,
        case
            when checked.own_reason is not null then checked.own_reason
            when checked.owner_id is not null and trusted_users.user_id is null then 'orphan key'
        end as reason,
        checked._loaded_at
    from checked
    left join trusted_users
        on checked.owner_id = trusted_users.user_id
    where not checked.is_deleted
)

select * from reasoned
where reason is not null
