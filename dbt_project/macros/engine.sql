{#- SQL that differs between the engines the project builds on (docs/scale-out.md): DuckDB
    (dbt-duckdb, the default) and Spark (dbt-spark). Models call these macros, never the
    engine-only syntax, so one model serves both. -#}

{#- The materialization of the incremental models: incremental on DuckDB; a table rebuilt in
    full on Spark (its Parquet tables have no MERGE/DELETE without Delta Lake, so every Spark
    build is a full build). -#}
{% macro incremental_materialization() -%}
    {{ return(adapter.dispatch('incremental_materialization', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro default__incremental_materialization() -%}
    {{ return('incremental') }}
{%- endmacro %}

{% macro spark__incremental_materialization() -%}
    {{ return('table') }}
{%- endmacro %}

{#- `name as {{ materialized_cte() }} (...)`: DuckDB computes a CTE read several times once;
    Spark has no such hint (it plans each reference). -#}
{% macro materialized_cte() -%}
    {{ return(adapter.dispatch('materialized_cte', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro default__materialized_cte() -%}
    materialized
{%- endmacro %}

{% macro spark__materialized_cte() -%}
{%- endmacro %}

{#- Rows of the left side without a match on the right (`anti_join() right on ...`). -#}
{% macro anti_join() -%}
    {{ return(adapter.dispatch('anti_join', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro default__anti_join() -%}
    anti join
{%- endmacro %}

{% macro spark__anti_join() -%}
    left anti join
{%- endmacro %}
