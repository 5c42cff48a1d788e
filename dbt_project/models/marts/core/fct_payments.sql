-- fct_payments: one row per trusted payment, with its session's slot and vehicle, times in UTC and
-- local. Incremental like fct_parking_sessions (a payment is rebuilt when it or its session
-- changed since the last build, or is no longer trusted).
-- depends_on: {{ ref('quarantined_payments') }} {{ ref('int_sessions__checked') }} {{ ref('int_payments__checked') }}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='payment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        pre_hook="
            {% if is_incremental() %}
            delete from {{ this }}
            where payment_id in (
                select payment_id from {{ built_since_last_build(ref('int_payments__checked')) }}
                union all
                select payment_id from {{ ref('quarantined_payments') }}
            )
            or session_id in (
                select session_id from {{ built_since_last_build(ref('int_sessions__checked')) }}
            )
            {% endif %}
        ",
    )
}}

with

{% if is_incremental() %}
-- the trusted payments missing from the table (ids only: cheap to compare)
missing as {{ materialized_cte() }} (
    select payment_id from {{ ref('stg_payments') }}
    {{ anti_join() }} {{ this }} using (payment_id)
),
{% endif %}

payments as {{ materialized_cte() }} (
    select
        payment_id,
        session_id,
        amount,
        payment_method,
        status,
        transaction_id,
        transaction_key,
        paid_at,
        {{ to_local('paid_at') }} as paid_at_local,
        created_at,
        {{ to_local('created_at') }} as created_at_local
    {% if is_incremental() %}
    -- the missing payments are trusted; read from the checked model as in fct_parking_sessions
    from {{ ref('int_payments__checked') }}
    where payment_id in (select payment_id from missing)
    {% else %}
    from {{ ref('stg_payments') }}
    {% endif %}
),

sessions as (
    select session_id, slot_id, vehicle_id
    from {{ ref('stg_sessions') }}
    {% if is_incremental() %}
    where session_id in (select session_id from payments)
    {% endif %}
),

final as (
    select
        payments.payment_id,
        payments.session_id,
        sessions.slot_id,
        sessions.vehicle_id,
        payments.amount,
        payments.payment_method,
        payments.status,
        payments.transaction_id,
        payments.transaction_key,
        payments.paid_at,
        payments.paid_at_local,
        cast(payments.paid_at_local as date) as paid_date_local,
        payments.created_at,
        payments.created_at_local,
        cast(payments.created_at_local as date) as created_date_local,
        {{ build_stamp() }} as _built_at
    from payments
    inner join sessions
        on payments.session_id = sessions.session_id
)

select * from final
