-- int_sessions__kpi_days: for every session ever trusted, the local days whose zone_day_kpis rows
-- it can change: from the first to the last of its entry, exit and payment days (last_day null
-- while it is open: every day from its entry on). zone_day_kpis recomputes the days of the rows
-- (re)built here since its own last build. A span only grows when a session is rebuilt, and a
-- session that is no longer trusted keeps its row (is_trusted false), so the days its old
-- version counted in are recomputed too (a corrected exit time, a refund, a deleted session).
-- Incremental on the same changes as fct_parking_sessions; stored, not ephemeral (it is state).
-- depends_on: {{ ref('int_sessions__checked') }} {{ ref('quarantined_sessions') }}
{{
    config(
        materialized='incremental',
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

sessions as (select * from {{ ref('fct_parking_sessions') }}),
payments as (select * from {{ ref('fct_payments') }}),

{% if is_incremental() %}
{% set since = run_query(
    "select strftime(timezone('UTC', coalesce(max(_built_at), timestamptz '1970-01-01 00:00:00+00')), "
    ~ "'%Y-%m-%d %H:%M:%S.%f+00') from " ~ this).rows[0][0] if execute else '1970-01-01 00:00:00+00' %}
changed as materialized (
    select session_id from sessions
    where _built_at > timestamptz '{{ since }}'
    union
    -- trusted before, gone from the facts now (quarantined, or deleted from the source)
    select session_id from {{ this }}
    where is_trusted
        and session_id in (
            select session_id from {{ ref('quarantined_sessions') }}
            union all
            select session_id from {{ ref('int_sessions__checked') }}
            where _built_at > timestamptz '{{ since }}'
        )
        and session_id not in (select session_id from sessions)
),
{% endif %}

payment_days as (
    select
        session_id,
        min(least(created_date_local, paid_date_local)) as first_day,
        max(greatest(created_date_local, paid_date_local)) as last_day
    from payments
    {% if is_incremental() %}
    where session_id in (select session_id from changed)
    {% endif %}
    group by session_id
),

current_spans as (
    select
        sessions.session_id,
        least(sessions.entry_date_local, payment_days.first_day) as first_day,
        case
            when sessions.exit_at is not null
                then greatest(sessions.exit_date_local, payment_days.last_day)
        end as last_day
    from sessions
    left join payment_days
        on sessions.session_id = payment_days.session_id
    {% if is_incremental() %}
    where sessions.session_id in (select session_id from changed)
    {% endif %}
),

{% if is_incremental() %}
final as (
    select
        changed.session_id,
        current_spans.session_id is not null as is_trusted,
        least(current_spans.first_day, previous.first_day) as first_day,
        case
            when current_spans.session_id is not null and current_spans.last_day is null then null
            when previous.session_id is not null and previous.last_day is null then null
            else greatest(current_spans.last_day, previous.last_day)
        end as last_day,
        {{ build_stamp() }} as _built_at
    from changed
    left join current_spans
        on changed.session_id = current_spans.session_id
    left join {{ this }} as previous
        on changed.session_id = previous.session_id
)
{% else %}
final as (
    select
        session_id,
        true as is_trusted,
        first_day,
        last_day,
        {{ build_stamp() }} as _built_at
    from current_spans
)
{% endif %}

select * from final
