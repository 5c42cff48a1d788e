-- int_sessions__as_of_t: trusted sessions with their state as of T (the end of run date D),
-- decided by event times only, never by the live status flag.
with

sessions as (select * from {{ ref('fct_parking_sessions') }}),

flagged as (
    select
        session_id,
        slot_id,
        vehicle_id,
        status,
        entry_at,
        exit_at,
        entry_date_local,
        entry_hour_local,
        amount,
        status <> 'cancelled' and entry_at <= {{ as_of_t() }} as is_visit,
        status <> 'cancelled'
            and entry_at <= {{ as_of_t() }}
            and (exit_at is null or exit_at > {{ as_of_t() }}) as is_active_at_t,
        status <> 'cancelled' and exit_at <= {{ as_of_t() }} as is_completed_by_t
    from sessions
)

select * from flagged
