-- fct_parking_sessions: one row per trusted session: times in UTC and local, duration, fee, and
-- its trusted payments summarised (current state). Incremental: the pre-hook removes the rows
-- whose session or payments changed since the last build, or that are no longer trusted; the
-- model then inserts every trusted session that is not in the table.
-- depends_on: {{ ref('quarantined_sessions') }} {{ ref('int_sessions__checked') }} {{ ref('int_payments__checked') }}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="
            {% if is_incremental() %}
            delete from {{ this }}
            where session_id in (
                select session_id from {{ built_since_last_build(ref('int_sessions__checked')) }}
                union all
                select session_id from {{ built_since_last_build(ref('int_payments__checked')) }}
                union all
                select session_id from {{ ref('quarantined_sessions') }}
            )
            {% endif %}
        ",
    )
}}

with

{% if is_incremental() %}
-- the trusted sessions missing from the table (ids only: cheap to compare)
missing as {{ materialized_cte() }} (
    select session_id from {{ ref('stg_sessions') }}
    {{ anti_join() }} {{ this }} using (session_id)
),
{% endif %}

sessions as {{ materialized_cte() }} (
    select
        session_id,
        slot_id,
        vehicle_id,
        status,
        entry_at,
        exit_at,
        {{ to_local('entry_at') }} as entry_at_local,
        {{ to_local('exit_at') }} as exit_at_local,
        amount
    {% if is_incremental() %}
    -- the missing sessions are trusted; reading them from the checked model keeps DuckDB from
    -- materialising every trusted session (all columns) to share one scan with `missing`
    from {{ ref('int_sessions__checked') }}
    where session_id in (select session_id from missing)
    {% else %}
    from {{ ref('stg_sessions') }}
    {% endif %}
),

payments as (
    select
        session_id,
        payment_id,
        amount,
        status,
        payment_method,
        created_at
    from {{ ref('stg_payments') }}
    {% if is_incremental() %}
    where session_id in (select session_id from missing)
    {% endif %}
),

payment_summary as (
    select
        session_id,
        count(*) as payment_count,
        count(*) filter (where status = 'completed') as completed_payment_count,
        -- (the cast: DuckDB's sum of DECIMAL(10,2) is DECIMAL(38,2), Spark's DECIMAL(20,2))
        cast(coalesce(sum(amount) filter (where status = 'completed'), 0) as decimal(38, 2)) as amount_paid,
        cast(coalesce(sum(amount) filter (where status = 'refunded'), 0) as decimal(38, 2)) as amount_refunded,
        -- the latest payment by created_at, then id: one ordering key for arg_max
        {{ arg_max_by(
            struct_of({'payment_id': 'payment_id', 'status': 'status', 'payment_method': 'payment_method'}),
            micros_then_id(epoch_us('created_at'), 'payment_id')
        ) }} as latest_payment
    from payments
    group by session_id
),

final as (
    select
        sessions.session_id,
        sessions.slot_id,
        sessions.vehicle_id,
        sessions.status,
        sessions.entry_at,
        sessions.exit_at,
        sessions.entry_at_local,
        sessions.exit_at_local,
        cast(sessions.entry_at_local as date) as entry_date_local,
        cast(hour(sessions.entry_at_local) as integer) as entry_hour_local,
        cast(sessions.exit_at_local as date) as exit_date_local,
        cast(hour(sessions.exit_at_local) as integer) as exit_hour_local,
        case
            when sessions.exit_at is not null
                then {{ hours_between('sessions.entry_at', 'sessions.exit_at') }}
        end as duration_hours,
        sessions.amount,
        coalesce(payment_summary.payment_count, 0) as payment_count,
        coalesce(payment_summary.completed_payment_count, 0) as completed_payment_count,
        coalesce(payment_summary.amount_paid, 0) as amount_paid,
        coalesce(payment_summary.amount_refunded, 0) as amount_refunded,
        payment_summary.latest_payment.payment_id as latest_payment_id,
        payment_summary.latest_payment.status as latest_payment_status,
        payment_summary.latest_payment.payment_method as latest_payment_method,
        {{ build_stamp() }} as _built_at
    from sessions
    left join payment_summary
        on sessions.session_id = payment_summary.session_id
)

select * from final
