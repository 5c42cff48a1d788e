{#- marts.vehicle_analytics keeps an index on the plate (its post-hook creates it). A full refresh
    swaps the rebuilt table in by renaming the old one, and DuckDB cannot rename an indexed
    table; dropping the index inside that same transaction is no cure: another thread's
    transaction that still sees the index then fails on any catalog read (duckdb_indexes(),
    which dbt-duckdb queries for every table model) with "Table with name
    vehicle_analytics__dbt_backup does not exist". So the index goes before any model starts,
    in its own committed statement, and only when a full refresh rebuilds that model. -#}
{% macro drop_plate_index_before_full_refresh() -%}
    {{ return(adapter.dispatch('drop_plate_index_before_full_refresh', 'parking_warehouse')()) }}
{%- endmacro %}

{#- Spark's tables have no indexes. -#}
{% macro default__drop_plate_index_before_full_refresh() -%}
{%- endmacro %}

{% macro duckdb__drop_plate_index_before_full_refresh() -%}
    {%- if execute and flags.FULL_REFRESH
        and 'model.parking_warehouse.vehicle_analytics' in selected_resources -%}
        drop index if exists marts.vehicle_analytics_vehicle_number
    {%- endif -%}
{%- endmacro %}
