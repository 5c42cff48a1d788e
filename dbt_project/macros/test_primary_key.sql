{#- A primary key: never null and unique (one test node instead of not_null + unique).

    built_at_column (optional, for the incremental models that stamp the rows they (re)build,
    `_built_at`): when the table holds rows of more than one build, check only the keys of the
    rows of the latest build, each against the whole table (and look for nulls everywhere).
    Rows of earlier builds were checked by the build that wrote them, and a duplicate always
    involves the later of its rows, so the daily test scales with the rows changed. After a
    full refresh (one stamp on every row) the plain test runs. -#}
{% test primary_key(model, column_name, built_at_column=none) %}
{%- set latest_only = false -%}
{%- if built_at_column and execute -%}
    {%- set latest_only = run_query(
        "select coalesce(min(" ~ built_at_column ~ ") < max(" ~ built_at_column ~ "), false) from " ~ model
    ).rows[0][0] -%}
{%- endif -%}
{% if latest_only %}
select {{ column_name }}, count(*) as occurrences
from {{ model }}
where {{ column_name }} in (
    select {{ column_name }}
    from {{ model }}
    where {{ built_at_column }} = (select max({{ built_at_column }}) from {{ model }})
)
group by {{ column_name }}
having count(*) > 1
union all
select null as {{ column_name }}, count(*) as occurrences
from {{ model }}
where {{ column_name }} is null
having count(*) > 0
{% else %}
select {{ column_name }}, count(*) as occurrences
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1
{% endif %}
{% endtest %}
