-- quarantine_summary: how many source rows are quarantined, per table and reason.
with

quarantined as (select * from {{ ref('quarantined_rows') }}),

final as (
    select
        table_name,
        reason,
        count(*) as row_count
    from quarantined
    group by table_name, reason
)

select * from final
order by table_name, reason
