-- payment_analytics: revenue over all history up to T, one row.
with

payments as (select * from {{ ref('int_payments__as_of_t') }}),

revenue as (
    select
        coalesce(sum(amount), 0) as total_revenue,
        count(*) as transaction_count
    from payments
    where is_revenue
),

final as (
    select
        {{ run_date() }} as run_date,
        cast(total_revenue as decimal(18, 2)) as total_revenue,
        transaction_count,
        {{ money_mean('total_revenue', 'transaction_count') }} as average_payment
    from revenue
)

select * from final
