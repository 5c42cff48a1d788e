{#- For one source table: rows extracted (raw rows not deleted in the source)
    = rows trusted (the staging model under test) + rows quarantined. Fails with one row showing
    the three counts when they do not add up. -#}
{% test extracted_equals_trusted_plus_quarantined(model, source_table, quarantine_model) %}

with

extracted as (
    select count(*) as row_count
    from {{ source('raw', source_table) }}
    where _deleted_at is null
),

trusted as (select count(*) as row_count from {{ model }}),

quarantined as (select count(*) as row_count from {{ ref(quarantine_model) }})

select
    extracted.row_count as rows_extracted,
    trusted.row_count as rows_trusted,
    quarantined.row_count as rows_quarantined
from extracted
cross join trusted
cross join quarantined
where extracted.row_count <> trusted.row_count + quarantined.row_count

{% endtest %}
