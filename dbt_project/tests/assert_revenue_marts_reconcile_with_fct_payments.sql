-- Every revenue figure equals the completed payments of fct_payments paid (and created) by T.
with

expected as (
    select
        coalesce(sum(amount), 0) as revenue,
        count(*) as payment_count,
        coalesce(sum(amount) filter (
            where paid_at >= {{ day_start() }} and paid_at < {{ as_of_t() }}
        ), 0) as revenue_today
    from {{ ref('fct_payments') }}
    where status = 'completed'
        and paid_at <= {{ as_of_t() }}
        and created_at <= {{ as_of_t() }}
),

figures as (
    select 'revenue_daily' as mart, sum(revenue) as revenue, sum(payment_count) as payment_count
    from {{ ref('revenue_daily') }}
    union all
    select 'payment_analytics', total_revenue, transaction_count
    from {{ ref('payment_analytics') }}
    union all
    select 'payment_by_method', sum(amount), sum(count)
    from {{ ref('payment_by_method') }}
)

select figures.mart, figures.revenue, figures.payment_count, expected.revenue as expected_revenue
from figures
cross join expected
where coalesce(figures.revenue, 0) <> expected.revenue
    or coalesce(figures.payment_count, 0) <> expected.payment_count
union all
select 'dashboard_summary', dashboard.revenue_today, null, expected.revenue_today
from {{ ref('dashboard_summary') }} as dashboard
cross join expected
where dashboard.revenue_today <> expected.revenue_today
union all
select 'revenue_daily on D', day.revenue, null, expected.revenue_today
from (
    select coalesce(sum(revenue), 0) as revenue
    from {{ ref('revenue_daily') }}
    where revenue_date = {{ run_date() }}
) as day
cross join expected
where day.revenue <> expected.revenue_today
