{#- Change detection for the incremental models.

    The raw layer stamps every row the extraction writes with _loaded_at, and a row that has
    vanished from the source with _deleted_at. A checked model re-reads the raw rows written or
    marked deleted since its own newest stamp, plus a look-back window of `lookback_days` on
    the source's updated_at (a late commit is processed again even if it was already seen).

    The watermarks are read first (run_query) and written into the SQL as literals, so DuckDB
    filters the raw scan directly (zone maps) instead of joining every row to a subquery. -#}

{% macro raw_rows_changed_since_last_build() -%}
    {%- set since = _raw_watermarks() -%}
    (
        _loaded_at > timestamptz '{{ since.stamp }}'
        or _deleted_at > timestamptz '{{ since.stamp }}'
        or updated_at >= '{{ since.updated_at }}'
    )
{%- endmacro %}

{% macro _raw_watermarks() -%}
    {%- if execute -%}
        {%- set row = run_query(
            "select strftime(timezone('UTC', coalesce(greatest(max(_loaded_at), max(_deleted_at)), "
            ~ "timestamptz '1970-01-01 00:00:00+00')), '%Y-%m-%d %H:%M:%S.%f+00'), "
            ~ "coalesce(strftime(timezone('UTC', max(updated_at)) - interval ("
            ~ var('lookback_days') ~ ") day, '%Y-%m-%d %H:%M:%S'), '') from " ~ this
        ).rows[0] -%}
        {{ return({'stamp': row[0], 'updated_at': row[1]}) }}
    {%- else -%}
        {{ return({'stamp': '1970-01-01 00:00:00+00', 'updated_at': ''}) }}
    {%- endif -%}
{%- endmacro %}

{#- The stamp a model writes on the rows it (re)builds in this invocation. -#}
{% macro build_stamp() -%}
    {{ return(adapter.dispatch('build_stamp', 'parking_warehouse')()) }}
{%- endmacro %}

{% macro duckdb__build_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00' as timestamptz)
{%- endmacro %}

{% macro spark__build_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}' as timestamp)
{%- endmacro %}

{#- Rows of an upstream incremental model (re)built since this model last took rows in. -#}
{% macro built_since_last_build(upstream) -%}
    {%- set since = '1970-01-01 00:00:00+00' -%}
    {%- if execute -%}
        {%- set since = run_query(
            "select strftime(timezone('UTC', coalesce(max(_built_at), "
            ~ "timestamptz '1970-01-01 00:00:00+00')), '%Y-%m-%d %H:%M:%S.%f+00') from " ~ this
        ).rows[0][0] -%}
    {%- endif -%}
    (select * from {{ upstream }} where _built_at > timestamptz '{{ since }}')
{%- endmacro %}
