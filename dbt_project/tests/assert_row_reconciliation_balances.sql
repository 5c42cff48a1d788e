-- marts.row_reconciliation (what health reports) balances for every source table.
select *
from {{ ref('row_reconciliation') }}
where rows_extracted <> rows_trusted + rows_quarantined
