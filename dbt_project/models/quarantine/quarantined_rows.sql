-- quarantined_rows: every untrusted source row, one line each: its source table, key and reason.
with

users as (select * from {{ ref('quarantined_users') }}),
zones as (select * from {{ ref('quarantined_zones') }}),
slots as (select * from {{ ref('quarantined_slots') }}),
vehicles as (select * from {{ ref('quarantined_vehicles') }}),
sessions as (select * from {{ ref('quarantined_sessions') }}),
payments as (select * from {{ ref('quarantined_payments') }}),

unioned as (
    select 'users_customuser' as table_name, user_id as row_key, reason from users
    union all
    select 'backend_core_parkingzone', zone_id, reason from zones
    union all
    select 'backend_core_parkingslot', slot_id, reason from slots
    union all
    select 'backend_core_vehicle', vehicle_id, reason from vehicles
    union all
    select 'backend_core_parkingsession', session_id, reason from sessions
    union all
    select 'backend_core_payment', payment_id, reason from payments
)

select * from unioned
order by table_name, row_key
