-- row_reconciliation: per source table, rows extracted (present in the raw layer, not deleted in
-- the source) = rows trusted (in staging) + rows quarantined.
{% set tables = [
    ('users_customuser', 'stg_users', 'quarantined_users'),
    ('backend_core_parkingzone', 'stg_zones', 'quarantined_zones'),
    ('backend_core_parkingslot', 'stg_slots', 'quarantined_slots'),
    ('backend_core_vehicle', 'stg_vehicles', 'quarantined_vehicles'),
    ('backend_core_parkingsession', 'stg_sessions', 'quarantined_sessions'),
    ('backend_core_payment', 'stg_payments', 'quarantined_payments'),
] %}
with

{% for source_table, staging_model, quarantine_model in tables %}
{{ source_table }} as (
    select
        '{{ source_table }}' as table_name,
        (select count(*) from {{ source("raw", source_table) }} where _deleted_at is null)
            as rows_extracted,
        (select count(*) from {{ ref(staging_model) }}) as rows_trusted,
        (select count(*) from {{ ref(quarantine_model) }}) as rows_quarantined
),
{% endfor %}

unioned as (
    {% for source_table, _, _ in tables %}
    select * from {{ source_table }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
)

select * from unioned
order by table_name
