{#- The combination of `columns` is unique in the model (without the dbt_utils package). -#}
{% test unique_combination_of_columns(model, columns) %}
{%- set quoted = [] -%}
{%- for column in columns %}{% do quoted.append(adapter.quote(column)) %}{% endfor -%}
select {{ quoted | join(', ') }}, count(*) as occurrences
from {{ model }}
group by {{ quoted | join(', ') }}
having count(*) > 1
{% endtest %}
