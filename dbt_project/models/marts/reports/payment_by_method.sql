-- payment_by_method: revenue by payment method over all history up to T (methods with at least
-- one completed payment), by amount desc then method.
with

payments as (select * from {{ ref('int_payments__as_of_t') }}),

final as (
    select
        payment_method,
        cast(sum(amount) as decimal(18, 2)) as amount,
        count(*) as count
    from payments
    where is_revenue
    group by payment_method
)

select * from final
order by amount desc, payment_method
