{#- A primary key: never null and unique (one test node instead of not_null + unique). -#}
{% test primary_key(model, column_name) %}
select {{ column_name }}, count(*) as occurrences
from {{ model }}
group by {{ column_name }}
having {{ column_name }} is null or count(*) > 1
{% endtest %}
