{#- The model has exactly `expected` rows. -#}
{% test exact_row_count(model, expected) %}
select count(*) as row_count
from {{ model }}
having count(*) <> {{ expected }}
{% endtest %}
