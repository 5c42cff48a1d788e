-- stg_users: trusted accounts (id, role and flags; no personal data ever reaches the warehouse).
with

checked as (select * from {{ ref('int_users__checked') }}),
quarantined as (select * from {{ ref('quarantined_users') }}),

trusted as (
    select
        checked.user_id,
        checked.role,
        checked.is_active,
        checked.is_staff,
        checked.is_superuser,
        checked.date_joined_at,
        checked.last_login_at,
        checked.updated_at
    from checked
    {{ anti_join() }} quarantined
        on checked.user_id = quarantined.user_id
    where not checked.is_deleted
)

select * from trusted
