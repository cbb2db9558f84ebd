{{ incremental_by_document() }}

-- Income by source (收入预算): unit × revenue source from the income summary.
-- Each row carries its document's reconciliation status.

{{ with_reconciliation_status(ref('int_budget_revenue_facts')) }}
