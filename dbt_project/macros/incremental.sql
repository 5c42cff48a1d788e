{#- Change detection for the incremental models.

    The raw layer stamps every row the extraction writes with _loaded_at, and a row that has
    vanished from the source with _deleted_at. A checked model re-reads the raw rows written or
    marked deleted since its own newest stamp, plus a look-back window of `lookback_days` on
    the source's updated_at (a late commit is processed again even if it was already seen). -#}
{% macro raw_rows_changed_since_last_build() -%}
    (
        _loaded_at > (select {{ _last_raw_stamp() }} from {{ this }})
        or _deleted_at > (select {{ _last_raw_stamp() }} from {{ this }})
        or updated_at >= (
            select coalesce(
                strftime(timezone('UTC', max(updated_at)) - interval ({{ var('lookback_days') }}) day,
                         '%Y-%m-%d %H:%M:%S'),
                '')
            from {{ this }}
        )
    )
{%- endmacro %}

{% macro _last_raw_stamp() -%}
    coalesce(greatest(max(_loaded_at), max(_deleted_at)), '-infinity'::timestamptz)
{%- endmacro %}

{#- The stamp a model writes on the rows it (re)builds in this invocation. -#}
{% macro build_stamp() -%}
    cast('{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}+00' as timestamptz)
{%- endmacro %}

{#- Rows of an upstream incremental model (re)built since this model last took rows in. -#}
{% macro built_since_last_build(upstream) -%}
    (select * from {{ upstream }}
     where _built_at > (select coalesce(max(_built_at), '-infinity'::timestamptz) from {{ this }}))
{%- endmacro %}
