-- revenue_daily: revenue at daily grain (local date of paid_at) by zone and payment method, all
-- history up to T. A revenue report for any from..to range sums these rows.
with

payments as (select * from {{ ref('int_payments__as_of_t') }}),
slots as (select * from {{ ref('dim_slots') }}),

final as (
    select
        payments.paid_date_local as revenue_date,
        slots.zone_id,
        slots.zone_name,
        payments.payment_method,
        cast(sum(payments.amount) as decimal(18, 2)) as revenue,
        count(*) as payment_count
    from payments
    inner join slots
        on payments.slot_id = slots.slot_id
    where payments.is_revenue
    group by all
)

select * from final
order by revenue_date, zone_id, payment_method
