-- source_freshness: per source table, rows extracted, the newest updated_at and its lag behind T.
{% set tables = [
    ('users_customuser', 'int_users__checked'),
    ('backend_core_parkingzone', 'int_zones__checked'),
    ('backend_core_parkingslot', 'int_slots__checked'),
    ('backend_core_vehicle', 'int_vehicles__checked'),
    ('backend_core_parkingsession', 'int_sessions__checked'),
    ('backend_core_payment', 'int_payments__checked'),
] %}
with

{% for source_table, checked_model in tables %}
{{ source_table }} as (
    select
        '{{ source_table }}' as table_name,
        count(*) as row_count,
        max(updated_at) as newest_updated_at
    from {{ ref(checked_model) }}
    where not is_deleted
),
{% endfor %}

unioned as (
    {% for source_table, _ in tables %}
    select * from {{ source_table }}
    {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

final as (
    select
        table_name,
        row_count,
        newest_updated_at,
        case
            when newest_updated_at is null then null
            when newest_updated_at <= {{ as_of_t() }}
                then {{ hours_between('newest_updated_at', as_of_t()) }}
            else - {{ hours_between(as_of_t(), 'newest_updated_at') }}
        end as lag_hours
    from unioned
)

select * from final
order by table_name
