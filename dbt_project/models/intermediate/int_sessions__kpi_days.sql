-- int_sessions__kpi_days: every session ever trusted, with the values zone_day_kpis reads from it
-- (its slot, status, times, the last day it occupies, amount, when its fee was collected, a hash
-- of its payments and the span of their days), and, on
-- the rows (re)written by a build, the days whose zone_day_kpis rows the change can alter:
-- dirty_from .. dirty_to (null: through D). zone_day_kpis recomputes the days of the rows
-- written since its own last build.
--
-- A row is rewritten only when one of those values changed, so a session re-read without a
-- change (the extraction's look-back) recomputes nothing. What a change alters: a new or removed
-- session, or a changed slot, status, entry or amount, every day it spans; a changed exit time,
-- the days from the earlier of the two exit days on (the days before saw it open either way, as
-- of their end); changed payments, their old and new days and the exit days (unpaid stays). A
-- session that leaves the trusted facts keeps its row (is_trusted false).
-- Incremental on the same changes as fct_parking_sessions; a table (it is state), not ephemeral.
-- depends_on: {{ ref('int_sessions__checked') }} {{ ref('quarantined_sessions') }}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='session_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
    )
}}

with

-- read in place where used (each use filters them first: materialised, they cost a copy of all)
sessions as {{ not_materialized_cte() }} (select * from {{ ref('fct_parking_sessions') }}),
payments as {{ not_materialized_cte() }} (select * from {{ ref('fct_payments') }}),

{% if is_incremental() %}
{% set since = run_query(
    "select strftime(timezone('UTC', coalesce(max(_built_at), timestamptz '1970-01-01 00:00:00+00')), "
    ~ "'%Y-%m-%d %H:%M:%S.%f+00') from " ~ this).rows[0][0] if execute else '1970-01-01 00:00:00+00' %}
-- trusted before, gone from the facts now (quarantined, or deleted from the source). The facts
-- are probed with the few suspects, never hashed whole.
suspects as {{ materialized_cte() }} (
    select session_id from {{ this }}
    where is_trusted
        and session_id in (
            select session_id from {{ ref('quarantined_sessions') }}
            union all
            select session_id from {{ ref('int_sessions__checked') }}
            where _built_at > timestamptz '{{ since }}'
        )
),

gone as (
    select session_id from suspects
    where session_id not in (
        select session_id from sessions
        where session_id in (select session_id from suspects)
    )
),

candidates as {{ materialized_cte() }} (
    select session_id from sessions
    where _built_at > timestamptz '{{ since }}'
    union
    select session_id from payments
    where _built_at > timestamptz '{{ since }}'
    union
    select session_id from gone
),
{% endif %}

payment_summary as (
    select
        session_id,
        -- order-independent: the same payments give the same hash
        cast(sum({{ payment_fingerprint(['payment_id', 'status', 'amount', 'paid_at', 'created_at']) }}) as bigint)
            as payments_hash,
        -- the span, not the list, of the days: a list per session costs more than the few days
        -- a span adds (a payment settled days after its stay)
        least(min(created_date_local), min(paid_date_local)) as payment_first_day,
        greatest(max(created_date_local), max(paid_date_local)) as payment_last_day,
        -- when the fee was collected: the first completed payment that existed and was paid
        min(case when status = 'completed' then greatest(paid_at, created_at) end) as collected_at
    from payments
    {% if is_incremental() %}
    where session_id in (select session_id from candidates)
    {% endif %}
    group by session_id
),

current_versions as (
    select
        sessions.session_id,
        sessions.slot_id,
        sessions.status,
        sessions.entry_at,
        sessions.exit_at,
        sessions.entry_date_local,
        sessions.exit_date_local,
        case
            when sessions.exit_at <= sessions.entry_at then null
            -- an exit at local midnight ends the stay on the day before
            when sessions.exit_at_local = cast(sessions.exit_date_local as timestamp)
                then sessions.exit_date_local - 1
            else sessions.exit_date_local
        end as last_occupied_day,
        sessions.amount,
        coalesce(payment_summary.payments_hash, 0) as payments_hash,
        payment_summary.payment_first_day,
        payment_summary.payment_last_day,
        payment_summary.collected_at
    from sessions
    left join payment_summary
        on sessions.session_id = payment_summary.session_id
    {% if is_incremental() %}
    where sessions.session_id in (select session_id from candidates)
    {% endif %}
),

{% if is_incremental() %}
compared as (
    select
        candidates.session_id,
        current_versions.session_id is not null as is_trusted,
        current_versions,
        previous,
        previous.session_id is null
            or current_versions.session_id is null
            or not previous.is_trusted
            or current_versions.slot_id is distinct from previous.slot_id
            or current_versions.status is distinct from previous.status
            or current_versions.entry_at is distinct from previous.entry_at
            or current_versions.amount is distinct from previous.amount as is_replaced,
        current_versions.exit_at is distinct from previous.exit_at as exit_changed,
        current_versions.payments_hash is distinct from previous.payments_hash as payments_changed
    from candidates
    left join current_versions
        on candidates.session_id = current_versions.session_id
    left join {{ this }} as previous
        on candidates.session_id = previous.session_id
),

final as (
    select
        session_id,
        is_trusted,
        coalesce(current_versions.slot_id, previous.slot_id) as slot_id,
        coalesce(current_versions.status, previous.status) as status,
        coalesce(current_versions.entry_at, previous.entry_at) as entry_at,
        case when is_trusted then current_versions.exit_at else previous.exit_at end as exit_at,
        coalesce(current_versions.entry_date_local, previous.entry_date_local) as entry_date_local,
        case when is_trusted then current_versions.exit_date_local else previous.exit_date_local end
            as exit_date_local,
        case when is_trusted then current_versions.last_occupied_day else previous.last_occupied_day end
            as last_occupied_day,
        coalesce(current_versions.amount, previous.amount) as amount,
        coalesce(current_versions.payments_hash, previous.payments_hash) as payments_hash,
        case when is_trusted then current_versions.payment_first_day else previous.payment_first_day end
            as payment_first_day,
        case when is_trusted then current_versions.payment_last_day else previous.payment_last_day end
            as payment_last_day,
        case when is_trusted then current_versions.collected_at else previous.collected_at end
            as collected_at,
        -- the days the change can alter (null dirty_to: through D)
        least(
            case when is_replaced then least(current_versions.entry_date_local, previous.entry_date_local) end,
            case when exit_changed then least(current_versions.exit_date_local, previous.exit_date_local) end,
            case when payments_changed then least(
                current_versions.payment_first_day, previous.payment_first_day,
                current_versions.exit_date_local, previous.exit_date_local
            ) end
        ) as dirty_from,
        case
            -- a version open at the end of the days it spans: every day from its entry on
            when is_replaced and (
                (current_versions.session_id is not null and current_versions.exit_at is null)
                or (previous.session_id is not null and previous.exit_at is null)
            ) then null
            when not is_replaced and exit_changed
                and (current_versions.exit_at is null or previous.exit_at is null) then null
            else greatest(
                case when is_replaced or exit_changed
                    then greatest(current_versions.exit_date_local, previous.exit_date_local) end,
                case when payments_changed then greatest(
                    current_versions.payment_last_day, previous.payment_last_day,
                    current_versions.exit_date_local, previous.exit_date_local
                ) end
            )
        end as dirty_to,
        {{ build_stamp() }} as _built_at
    from compared
    where is_replaced or exit_changed or payments_changed
)
{% else %}
final as (
    select
        session_id,
        true as is_trusted,
        slot_id,
        status,
        entry_at,
        exit_at,
        entry_date_local,
        exit_date_local,
        last_occupied_day,
        amount,
        payments_hash,
        payment_first_day,
        payment_last_day,
        collected_at,
        entry_date_local as dirty_from,
        exit_date_local as dirty_to,
        {{ build_stamp() }} as _built_at
    from current_versions
)
{% endif %}

select * from final
