-- vehicle_analytics: one row per vehicle with a visit by T: visits, spending and habits.
-- Incremental (unique key vehicle_id): a daily run recomputes only the vehicles something may
-- have changed for since the last build - rows (re)built in the facts or checked models (a
-- session or payment that changed, or left the facts), sessions on slots that moved to another
-- zone, whose zone was renamed, or that entered or left the trusted slots
-- (int_slots__placement), vehicles or owners re-typed, and sessions or payments whose event
-- times fall between the last build's T and this T. Building an earlier D than the last one (a
-- backfill), or a preferred zone that no longer exists, recomputes every vehicle. The post-hook drops vehicles without visits or no longer trusted, and indexes
-- the plate: one vehicle's record is a point lookup (about 1 ms
-- instead of a scan of every vehicle, 28 ms at 2M vehicles). A full refresh swaps the new table
-- in by renaming the old one, which DuckDB refuses for an indexed table: the project's
-- on-run-start drops the index first (macros/plate_index.sql says why not here).
-- depends_on: {{ ref('int_sessions__checked') }} {{ ref('int_payments__checked') }} {{ ref('int_vehicles__checked') }} {{ ref('int_users__checked') }}
-- depends_on: {{ ref('int_slots__placement') }} {{ ref('fct_parking_sessions') }} {{ ref('fct_payments') }}
{{
    config(
        materialized=incremental_materialization(),
        unique_key='vehicle_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook=[
            "{% if is_incremental() %}
            delete from {{ this }}
            where total_visits = 0
                or vehicle_id not in (select vehicle_id from {{ ref('dim_vehicles') }})
            {% endif %}",
            "{{ create_index_if_missing('vehicle_analytics_vehicle_number', this, 'vehicle_number') }}",
        ],
    )
}}

{% set recompute_all = true %}
{% if is_incremental() and execute %}
    {% set last = run_query(
        "select strftime(timezone('UTC', max(_built_at)), '%Y-%m-%d %H:%M:%S.%f+00'), "
        ~ "strftime(timezone('UTC', max(_as_of)), '%Y-%m-%d %H:%M:%S.%f+00'), "
        ~ "max(_as_of) > " ~ as_of_t() ~ " or exists (select 1 from " ~ this
        ~ " where preferred_zone not in (select zone_name from " ~ ref('dim_zones') ~ ")) "
        ~ "from " ~ this
    ).rows[0] %}
    {% set recompute_all = last[0] is none or last[1] is none or last[2] %}
    {% set last_built = last[0] %}
    {% set last_t = last[1] %}
{% endif %}

with

sessions as (select * from {{ ref('int_sessions__as_of_t') }}),
payments as (select * from {{ ref('int_payments__as_of_t') }}),
vehicles as (select * from {{ ref('dim_vehicles') }}),
slots as (select * from {{ ref('dim_slots') }}),
zones as (select * from {{ ref('dim_zones') }}),

{% if not recompute_all %}
affected as {{ materialized_cte() }} (
    select vehicle_id from {{ ref('fct_parking_sessions') }}
    where _built_at > timestamptz '{{ last_built }}'
        or (entry_at > timestamptz '{{ last_t }}' and entry_at <= {{ as_of_t() }})
    union
    -- sessions and payments re-typed or re-checked (a trusted row that changed is in the
    -- facts above; these also cover rows that left them), and the sessions on slots whose
    -- zone, zone name or trust changed (their sessions' trust changed with them; a renamed
    -- zone moves in the name order that breaks ties of the preferred zone). A vehicle's own
    -- trust is below. Nothing else decides whether a session or payment is trusted.
    select vehicle_id from {{ ref('int_sessions__checked') }}
    where _built_at > timestamptz '{{ last_built }}'
        or session_id in (
            select session_id from {{ ref('int_payments__checked') }}
            where _built_at > timestamptz '{{ last_built }}'
        )
        or slot_id in (
            select slot_id from {{ ref('int_slots__placement') }}
            where _built_at > timestamptz '{{ last_built }}'
        )
    union
    select vehicle_id from {{ ref('fct_payments') }}
    where _built_at > timestamptz '{{ last_built }}'
        or (paid_at > timestamptz '{{ last_t }}' and paid_at <= {{ as_of_t() }})
        or (created_at > timestamptz '{{ last_t }}' and created_at <= {{ as_of_t() }})
    union
    select vehicle_id from {{ ref('int_vehicles__checked') }}
    where _built_at > timestamptz '{{ last_built }}'
        or owner_id in (
            select user_id from {{ ref('int_users__checked') }}
            where _built_at > timestamptz '{{ last_built }}'
        )
),
{% endif %}

-- zone names are unique; their alphabetical rank breaks ties in the preferred zone
zone_ranks as (
    select zone_id, zone_name, dense_rank() over (order by zone_name) as name_rank
    from zones
),

visits_by_zone as (
    select
        sessions.vehicle_id,
        slots.zone_id,
        count(*) as visits,
        min(sessions.entry_at) as first_visit,
        max(sessions.entry_at) as last_visit
    from sessions
    inner join slots
        on sessions.slot_id = slots.slot_id
    where sessions.is_visit
    {% if not recompute_all %}
        and sessions.vehicle_id in (select vehicle_id from affected)
    {% endif %}
    group by sessions.vehicle_id, slots.zone_id
),

visit_summary as (
    select
        visits_by_zone.vehicle_id,
        sum(visits_by_zone.visits) as total_visits,
        min(visits_by_zone.first_visit) as first_visit,
        max(visits_by_zone.last_visit) as last_visit,
        -- most visits first, then the zone name in alphabetical order
        {{ arg_max_by('zone_ranks.zone_name', 'visits_by_zone.visits * 1000000 - zone_ranks.name_rank') }}
            as preferred_zone
    from visits_by_zone
    inner join zone_ranks
        on visits_by_zone.zone_id = zone_ranks.zone_id
    group by visits_by_zone.vehicle_id
),

spending as (
    select
        vehicle_id,
        sum(amount) as total_expenses,
        count(*) filter (where payment_method = 'cash') as cash_count,
        coalesce(sum(amount) filter (where payment_method = 'cash'), 0) as cash_amount,
        count(*) filter (where payment_method = 'online') as online_count,
        coalesce(sum(amount) filter (where payment_method = 'online'), 0) as online_amount
    from payments
    where is_revenue
    {% if not recompute_all %}
        and vehicle_id in (select vehicle_id from affected)
    {% endif %}
    group by vehicle_id
),

final as (
    select
        vehicles.vehicle_id,
        vehicles.vehicle_number,
        vehicles.vehicle_type,
        vehicles.owner_id,
        cast(coalesce(visit_summary.total_visits, 0) as bigint) as total_visits,
        cast(coalesce(spending.total_expenses, 0) as decimal(18, 2)) as total_expenses,
        {{ money_mean('coalesce(spending.total_expenses, 0)', 'coalesce(visit_summary.total_visits, 0)') }}
            as average_session_cost,
        visit_summary.preferred_zone,
        coalesce(spending.cash_count, 0) as cash_count,
        cast(coalesce(spending.cash_amount, 0) as decimal(18, 2)) as cash_amount,
        coalesce(spending.online_count, 0) as online_count,
        cast(coalesce(spending.online_amount, 0) as decimal(18, 2)) as online_amount,
        visit_summary.first_visit,
        visit_summary.last_visit,
        {{ as_of_t() }} as _as_of,
        {{ build_stamp() }} as _built_at
    from vehicles
    left join visit_summary
        on vehicles.vehicle_id = visit_summary.vehicle_id
    left join spending
        on vehicles.vehicle_id = spending.vehicle_id
    {% if not recompute_all %}
    where vehicles.vehicle_id in (select vehicle_id from affected)
    {% endif %}
)

select * from final
{% if not is_incremental() %}
-- (a full build keeps vehicles with visits only: what the post-hook leaves after a daily run)
where total_visits > 0
{% endif %}

