-- quarantined_users: extracted accounts that cannot be trusted, with the reason.
with

checked as (select * from {{ ref('int_users__checked') }}),

quarantined as (
    select
        user_id,
        own_reason as reason,
        _loaded_at
    from checked
    where not is_deleted
        and own_reason is not null
)

select * from quarantined
