-- recent_transactions: the 10 payments created last by T (then highest id), as they stood at T.
with

payments as (select * from {{ ref('int_payments__as_of_t') }}),
vehicles as (select * from {{ ref('dim_vehicles') }}),

latest as (
    select *
    from payments
    order by created_at desc, payment_id desc
    limit 10
),

final as (
    select
        latest.payment_id,
        latest.session_id,
        vehicles.vehicle_number,
        latest.amount,
        latest.payment_method,
        latest.status_at_t as status,
        latest.transaction_id,
        latest.created_at,
        latest.paid_at_at_t as paid_at
    from latest
    inner join vehicles
        on latest.vehicle_id = vehicles.vehicle_id
)

select * from final
order by created_at desc, payment_id desc
