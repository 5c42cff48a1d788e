-- zone_day_kpis: operator KPIs per counted zone and local day, plus the "All zones" row (zone_id
-- null), for every day of history up to D (output 11). Each day is computed as of its own end
-- T_day: its counted slots and zones, the stays capped at T_day, the payments collected by T_day.
--
-- Incremental by day (unique key kpi_date): a run recomputes the days missing from the table and
-- the days of the sessions (re)built in int_sessions__kpi_days since the last build; every day
-- when the slots, zones or time zone changed (their fingerprint is stored in each row). Days
-- after D (a backfill of an earlier D) and before the first visit are deleted afterwards, so a
-- full refresh gives the same rows. Occupancy comes from the stays' +1/-1 events on the
-- 15-minute grid (macros/occupancy.sql), never from a slot x instant cross product.
{{
    config(
        materialized=incremental_materialization(),
        unique_key='kpi_date',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        post_hook="
            {% if is_incremental() %}
            delete from {{ this }}
            where kpi_date > {{ run_date() }}
                or kpi_date < (
                    select least(min(entry_date_local), {{ run_date() }})
                    from {{ ref('fct_parking_sessions') }}
                    where status <> 'cancelled'
                )
            {% endif %}
        ",
    )
}}

{% set fingerprint = 'none' %}
{% set recompute_all = true %}
{% if execute %}
    {% set fingerprint = kpi_inputs_fingerprint() %}
    {% if is_incremental() %}
        {% set last = run_query(
            "select strftime(timezone('UTC', max(_built_at)), '%Y-%m-%d %H:%M:%S.%f+00'), "
            ~ "count(distinct _inputs_fingerprint) = 1 and min(_inputs_fingerprint) = '" ~ fingerprint ~ "' "
            ~ "from " ~ this
        ).rows[0] %}
        {% set recompute_all = last[0] is none or not last[1] %}
        {% set last_built = last[0] %}
    {% endif %}
{% endif %}

with

-- read in place where used (not materialised whole: each use filters them first)
sessions as {{ not_materialized_cte() }} (select * from {{ ref('fct_parking_sessions') }}),
-- the trusted sessions with their last occupied day and when their fee was collected
session_states as {{ not_materialized_cte() }} (
    select * from {{ ref('int_sessions__kpi_days') }}
    where is_trusted
),
payments as {{ not_materialized_cte() }} (select * from {{ ref('fct_payments') }}),
slots as (select * from {{ ref('dim_slots') }}),
zones as (select * from {{ ref('dim_zones') }}),
calendar as (select * from {{ ref('dim_date') }}),

history as (
    select least(min(entry_date_local), {{ run_date() }}) as first_day
    from sessions
    where status <> 'cancelled'
),

history_days as (
    select calendar.date_day as kpi_date
    from calendar
    cross join history
    where calendar.date_day between history.first_day and {{ run_date() }}
),

{% if not recompute_all %}
-- the days altered by the sessions (and payments) changed since the last build
changed_spans as (
    select distinct
        dirty_from,
        coalesce(dirty_to, {{ run_date() }}) as dirty_to
    from {{ ref('int_sessions__kpi_days') }}
    where _built_at > timestamptz '{{ last_built }}'
        and dirty_from is not null
),

changed_days as (
    select history_days.kpi_date
    from history_days
    inner join changed_spans
        on history_days.kpi_date between changed_spans.dirty_from and changed_spans.dirty_to
),
{% endif %}

-- the days (re)computed by this run, with their window [day_start_at, day_end_at) = W(day)
days as {{ materialized_cte() }} (
    select
        kpi_date,
        {{ local_midnight('kpi_date') }} as day_start_at,
        {{ local_midnight('kpi_date + 1') }} as day_end_at,
        {{ epoch_us(local_midnight('kpi_date')) }} as day_start_us,
        {{ epoch_us(local_midnight('kpi_date + 1')) }} as day_end_us
    from history_days
    {% if not recompute_all %}
    where kpi_date not in (select kpi_date from {{ this }})
        or kpi_date in (select kpi_date from changed_days)
    {% endif %}
),

-- zones counted on a day: active, created by the day's end
zone_days as (
    select
        days.kpi_date,
        zones.zone_id,
        zones.zone_name
    from days
    inner join zones
        on zones.is_active
        and zones.created_at <= days.day_end_at
),

-- a slot is counted on every day from the one whose end is at or after its and its zone's
-- creation (slots and zones are counted by their current is_active)
counted_slots as (
    select
        slot_id,
        zone_id,
        cast({{ to_local('greatest(created_at, zone_created_at) - interval 1 microsecond') }} as date)
            as counted_from
    from slots
    where is_active
        and zone_is_active
),

slot_counts as (
    select
        zone_days.kpi_date,
        zone_days.zone_id,
        count(counted_slots.slot_id) as total_slots
    from zone_days
    left join counted_slots
        on zone_days.zone_id = counted_slots.zone_id
        and counted_slots.counted_from <= zone_days.kpi_date
    group by all
),

-- the visits read by this run: all of them, or those touching one of the days (materialised
-- then, so the few are joined to the slots, not the whole history)
visited as {{ not_materialized_cte() if recompute_all else materialized_cte() }} (
    select
        session_id,
        slot_id,
        entry_at,
        exit_at,
        entry_date_local,
        exit_date_local,
        last_occupied_day,
        amount,
        collected_at
    from session_states
    where status <> 'cancelled'
        and entry_date_local <= {{ run_date() }}
    {% if not recompute_all %}
        and (
            entry_date_local in (select kpi_date from days)
            or exit_date_local in (select kpi_date from days)
            or exit_at is null
            or (
                exit_date_local > entry_date_local
                and exit_date_local >= (select min(kpi_date) from days)
            )
        )
    {% endif %}
),

-- visits with their zone (any slot) and, for the counted slots, the first day they count;
-- occupies_until: the last day the stay occupies (D while it is open)
visits as {{ materialized_cte() }} (
    select
        visited.session_id,
        visited.slot_id,
        slots.zone_id,
        counted_slots.counted_from,
        {{ epoch_us('visited.entry_at') }} as entry_us,
        {{ epoch_us('visited.exit_at') }} as exit_us,
        visited.entry_date_local,
        visited.exit_date_local,
        case
            when visited.exit_at is null then {{ run_date() }}
            else least(visited.last_occupied_day, {{ run_date() }})
        end as occupies_until,
        visited.amount,
        visited.collected_at
    from visited
    inner join slots
        on visited.slot_id = slots.slot_id
    left join counted_slots
        on visited.slot_id = counted_slots.slot_id
),

-- the stay of each visit on a counted slot within each day it spans (never past the day's end);
-- a stay over several days is unnested into one row per day
stay_days as (
    select
        visits.session_id,
        visits.slot_id,
        visits.zone_id,
        visits.entry_us,
        visits.exit_us,
        visits.counted_from,
        visits.entry_date_local + cast(span.day_offset as integer) as kpi_date
    from visits
    {{ lateral_integer_series(0, days_between('visits.entry_date_local', 'visits.occupies_until') ~ ' + 1',
                              'span', 'day_offset') }}
    where visits.counted_from <= visits.occupies_until
),

stays as {{ materialized_cte() }} (
    select
        days.kpi_date,
        stay_days.zone_id,
        stay_days.slot_id,
        stay_days.session_id,
        greatest(stay_days.entry_us, days.day_start_us) as start_us,
        least(coalesce(stay_days.exit_us, days.day_end_us), days.day_end_us) as end_us
    from stay_days
    inner join days
        on stay_days.kpi_date = days.kpi_date
    where stay_days.counted_from <= days.kpi_date
),

occupied_time as (
    select
        kpi_date,
        zone_id,
        sum(end_us - start_us) as occupied_us
    from stays
    group by all
),

-- peak of the day's timeline: occupancy changes only at the instants of the merged stays'
-- events, so the highest running total at those instants is the peak
merged as (
    select * from {{ merged_intervals('stays', 'kpi_date, zone_id, slot_id', 'slot_id * 100000 + ' ~ days_between("date '2000-01-01'", 'kpi_date'), 'session_id') }}
),

zone_events as (
    select * from {{ occupancy_events('merged', 'kpi_date, zone_id') }}
),

operation_events as (
    select
        kpi_date,
        instant_index,
        sum(delta) as delta
    from zone_events
    group by all
),

zone_running as (
    select
        kpi_date,
        zone_id,
        instant_index,
        sum(delta) over (
            partition by kpi_date, zone_id
            order by instant_index
            rows between unbounded preceding and current row
        ) as occupied_slots
    from zone_events
),

operation_running as (
    select
        kpi_date,
        instant_index,
        sum(delta) over (
            partition by kpi_date
            order by instant_index
            rows between unbounded preceding and current row
        ) as occupied_slots
    from operation_events
),

zone_peaks as (
    select
        kpi_date,
        zone_id,
        cast(max(occupied_slots) as bigint) as peak_occupied_slots,
        -- the first instant with the highest occupancy
        {{ arg_min_by('instant_index', struct_of({'o': '-occupied_slots', 'i': 'instant_index'})) }} as peak_index
    from zone_running
    group by all
),

operation_peaks as (
    select
        kpi_date,
        cast(max(occupied_slots) as bigint) as peak_occupied_slots,
        {{ arg_min_by('instant_index', struct_of({'o': '-occupied_slots', 'i': 'instant_index'})) }} as peak_index
    from operation_running
    group by all
),

started as (
    select
        entry_date_local as kpi_date,
        zone_id,
        count(*) as sessions_started
    from visits
    where entry_date_local in (select kpi_date from days)
    group by all
),

completed_stays as (
    select
        visits.exit_date_local as kpi_date,
        visits.zone_id,
        visits.exit_us - visits.entry_us as stay_us,
        visits.amount > 0
            and (visits.collected_at is null or visits.collected_at > days.day_end_at)
            as is_unpaid,
        visits.amount
    from visits
    inner join days
        on visits.exit_date_local = days.kpi_date
),

revenue as (
    select
        days.kpi_date,
        payments.slot_id,
        payments.amount
    from payments
    inner join days
        on payments.paid_date_local = days.kpi_date
    where payments.status = 'completed'
        and payments.created_at <= days.day_end_at
),

zone_revenue as (
    select
        revenue.kpi_date,
        slots.zone_id,
        sum(revenue.amount) as revenue
    from revenue
    inner join slots
        on revenue.slot_id = slots.slot_id
    group by all
),

-- the zones' figures, then the operation's as sums over the counted zones of the day
zone_figures as (
    select
        zone_days.kpi_date,
        zone_days.zone_id,
        zone_days.zone_name,
        slot_counts.total_slots,
        coalesce(started.sessions_started, 0) as sessions_started,
        coalesce(occupied_time.occupied_us, 0) as occupied_us,
        coalesce(zone_peaks.peak_occupied_slots, 0) as peak_occupied_slots,
        case when zone_peaks.peak_occupied_slots > 0 then zone_peaks.peak_index end as peak_index,
        coalesce(zone_revenue.revenue, 0) as revenue
    from zone_days
    inner join slot_counts
        on zone_days.kpi_date = slot_counts.kpi_date
        and zone_days.zone_id = slot_counts.zone_id
    left join started
        on zone_days.kpi_date = started.kpi_date
        and zone_days.zone_id = started.zone_id
    left join occupied_time
        on zone_days.kpi_date = occupied_time.kpi_date
        and zone_days.zone_id = occupied_time.zone_id
    left join zone_peaks
        on zone_days.kpi_date = zone_peaks.kpi_date
        and zone_days.zone_id = zone_peaks.zone_id
    left join zone_revenue
        on zone_days.kpi_date = zone_revenue.kpi_date
        and zone_days.zone_id = zone_revenue.zone_id
),

operation_figures as (
    select
        days.kpi_date,
        cast(null as bigint) as zone_id,
        'All zones' as zone_name,
        coalesce(sum(zone_figures.total_slots), 0) as total_slots,
        coalesce(sum(zone_figures.sessions_started), 0) as sessions_started,
        coalesce(sum(zone_figures.occupied_us), 0) as occupied_us,
        coalesce(any_value(operation_peaks.peak_occupied_slots), 0) as peak_occupied_slots,
        case
            when any_value(operation_peaks.peak_occupied_slots) > 0
                then any_value(operation_peaks.peak_index)
        end as peak_index,
        coalesce(sum(zone_figures.revenue), 0) as revenue
    from days
    left join zone_figures
        on days.kpi_date = zone_figures.kpi_date
    left join operation_peaks
        on days.kpi_date = operation_peaks.kpi_date
    group by days.kpi_date
),

figures as (
    select *, false as is_all_zones from zone_figures
    union all  -- (the same columns in the same order)
    select *, true as is_all_zones from operation_figures
),

-- the stays completed on the day in each counted zone
counted_stays as (
    select completed_stays.*
    from completed_stays
    inner join zone_days
        on completed_stays.kpi_date = zone_days.kpi_date
        and completed_stays.zone_id = zone_days.zone_id
),

zone_stay_figures as (
    select
        kpi_date,
        zone_id,
        count(*) as completed_stays,
        sum(stay_us) as stay_us,
        {{ lower_median('stay_us') }} as median_stay_us,
        count(*) filter (where stay_us < 900000000) as stay_under_15m,
        count(*) filter (where stay_us >= 900000000 and stay_us < 3600000000) as stay_15m_1h,
        count(*) filter (where stay_us >= 3600000000 and stay_us < 7200000000) as stay_1h_2h,
        count(*) filter (where stay_us >= 7200000000 and stay_us < 14400000000) as stay_2h_4h,
        count(*) filter (where stay_us >= 14400000000 and stay_us < 28800000000) as stay_4h_8h,
        count(*) filter (where stay_us >= 28800000000) as stay_over_8h,
        count(*) filter (where is_unpaid) as unpaid_sessions,
        coalesce(sum(amount) filter (where is_unpaid), 0) as unpaid_amount
    from counted_stays
    group by kpi_date, zone_id
),

-- over all counted zones: the zones' sums, and the median of all the day's stays
operation_medians as (
    select
        kpi_date,
        {{ lower_median('stay_us') }} as median_stay_us
    from counted_stays
    group by kpi_date
),

operation_stay_figures as (
    select
        zone_stay_figures.kpi_date,
        cast(null as bigint) as zone_id,
        sum(zone_stay_figures.completed_stays) as completed_stays,
        sum(zone_stay_figures.stay_us) as stay_us,
        any_value(operation_medians.median_stay_us) as median_stay_us,
        sum(zone_stay_figures.stay_under_15m) as stay_under_15m,
        sum(zone_stay_figures.stay_15m_1h) as stay_15m_1h,
        sum(zone_stay_figures.stay_1h_2h) as stay_1h_2h,
        sum(zone_stay_figures.stay_2h_4h) as stay_2h_4h,
        sum(zone_stay_figures.stay_4h_8h) as stay_4h_8h,
        sum(zone_stay_figures.stay_over_8h) as stay_over_8h,
        sum(zone_stay_figures.unpaid_sessions) as unpaid_sessions,
        sum(zone_stay_figures.unpaid_amount) as unpaid_amount
    from zone_stay_figures
    inner join operation_medians
        on zone_stay_figures.kpi_date = operation_medians.kpi_date
    group by zone_stay_figures.kpi_date
),

stay_figures as (
    select *, false as is_all_zones from zone_stay_figures
    union all  -- (the same columns in the same order)
    select *, true as is_all_zones from operation_stay_figures
),

final as (
    select
        figures.kpi_date,
        figures.zone_id,
        figures.zone_name,
        cast(figures.total_slots as bigint) as total_slots,
        cast(figures.sessions_started as bigint) as sessions_started,
        {{ round_half_up('figures.sessions_started', 'figures.total_slots') }} as turnover,
        {{ round_half_up('figures.occupied_us', '3600000000') }} as occupied_hours,
        {{ rate_percent('figures.occupied_us', 'figures.total_slots * (days.day_end_us - days.day_start_us)', wide=true) }}
            as utilization_rate,
        figures.peak_occupied_slots,
        {{ rate_percent('figures.peak_occupied_slots', 'figures.total_slots') }} as peak_occupancy_rate,
        coalesce({{ instant_of('figures.peak_index') }}, days.day_start_at) as peak_at,
        cast(figures.revenue as decimal(18, 2)) as revenue,
        {{ money_mean('figures.revenue', 'figures.total_slots') }} as revpas,
        cast(coalesce(stay_figures.completed_stays, 0) as bigint) as completed_stays,
        case
            when stay_figures.completed_stays > 0
                then {{ round_half_up('stay_figures.stay_us', 'stay_figures.completed_stays * 60000000') }}
        end as avg_stay_minutes,
        case
            when stay_figures.completed_stays > 0
                then {{ round_half_up('stay_figures.median_stay_us', '60000000') }}
        end as median_stay_minutes,
        cast(coalesce(stay_figures.stay_under_15m, 0) as bigint) as stay_under_15m,
        cast(coalesce(stay_figures.stay_15m_1h, 0) as bigint) as stay_15m_1h,
        cast(coalesce(stay_figures.stay_1h_2h, 0) as bigint) as stay_1h_2h,
        cast(coalesce(stay_figures.stay_2h_4h, 0) as bigint) as stay_2h_4h,
        cast(coalesce(stay_figures.stay_4h_8h, 0) as bigint) as stay_4h_8h,
        cast(coalesce(stay_figures.stay_over_8h, 0) as bigint) as stay_over_8h,
        cast(coalesce(stay_figures.unpaid_sessions, 0) as bigint) as unpaid_sessions,
        cast(coalesce(stay_figures.unpaid_amount, 0) as decimal(18, 2)) as unpaid_amount,
        '{{ fingerprint }}' as _inputs_fingerprint,
        {{ build_stamp() }} as _built_at
    from figures
    inner join days
        on figures.kpi_date = days.kpi_date
    left join stay_figures
        on figures.kpi_date = stay_figures.kpi_date
        and figures.is_all_zones = stay_figures.is_all_zones
        and (figures.is_all_zones or figures.zone_id = stay_figures.zone_id)
)

select * from final
