-- dim_vehicles: one row per trusted vehicle; customer_key identifies the customer (the owner,
-- or the vehicle itself when it has no owner).
-- A view: there can be millions of rows, and the view is always current with nothing to
-- rebuild on a daily run.
{{ config(materialized='view') }}

with

vehicles as (select * from {{ ref('stg_vehicles') }}),

final as (
    select
        vehicle_id,
        vehicle_number,
        vehicle_type,
        owner_id,
        case
            when owner_id is not null then 'user:' || owner_id
            else 'vehicle:' || vehicle_id
        end as customer_key,
        created_at
    from vehicles
)

select * from final
