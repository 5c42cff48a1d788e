-- int_payments__checked: every extracted payment (latest version), typed, with the first contract
-- rule the row breaks on its own (null when none). Incremental like int_sessions__checked. Its
-- session and duplicate transaction ids are checked in quarantined_payments.
{{
    config(
        materialized='incremental',
        unique_key='payment_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

source as (
    select * from {{ source('raw', 'backend_core_payment') }}
    {% if is_incremental() %}
    where {{ raw_rows_changed_since_last_build() }}
    {% endif %}
    qualify row_number() over (partition by id order by _loaded_at desc) = 1
),

typed as (
    select
        id as payment_id,
        {{ parse_id('session_id') }} as session_id,
        {{ parse_money('amount') }} as amount,
        payment_method,
        status,
        transaction_id,
        trim(transaction_id) as transaction_key,
        {{ parse_utc('paid_at') }} as paid_at,
        {{ parse_utc('created_at') }} as created_at,
        {{ parse_utc('updated_at') }} as updated_at,
        _loaded_at,
        _deleted_at,
        _deleted_at is not null as is_deleted,
        paid_at is not null as has_paid_at
    from source
),

checked as (
    select
        payment_id,
        session_id,
        amount,
        payment_method,
        status,
        transaction_id,
        transaction_key,
        paid_at,
        created_at,
        updated_at,
        _loaded_at,
        _deleted_at,
        is_deleted,
        case
            when session_id is null
                or amount is null
                or (has_paid_at and paid_at is null)
                or created_at is null
                or updated_at is null
                then 'unparseable value'
            when payment_method is null or payment_method not in ('cash', 'online')
                or status is null or status not in ('pending', 'completed', 'failed', 'refunded')
                then 'unknown enumerated value'
            when amount < 0
                then 'negative amount'
            when status = 'completed' and paid_at is null
                then 'completed payment without paid_at'
        end as own_reason,
        {{ build_stamp() }} as _built_at
    from typed
)

select * from checked
