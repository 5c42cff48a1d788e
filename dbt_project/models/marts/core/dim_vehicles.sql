-- dim_vehicles: one row per trusted vehicle; customer_key identifies the customer (the owner,
-- or the vehicle itself when it has no owner).
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
