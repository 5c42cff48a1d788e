-- dim_users: one row per trusted account: id and role only (no personal data).
-- A view: there can be millions of rows, and the view is always current with nothing to
-- rebuild on a daily run.
{{ config(materialized='view') }}

with

users as (select * from {{ ref('stg_users') }}),

final as (
    select
        user_id,
        role
    from users
)

select * from final
