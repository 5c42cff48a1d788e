-- dim_users: one row per trusted account: id and role only (no personal data).
with

users as (select * from {{ ref('stg_users') }}),

final as (
    select
        user_id,
        role
    from users
)

select * from final
