{{ incremental_by_document() }}

-- 一般公共预算支出: unit × most detailed function code × basic/project.
-- Each row carries its document's reconciliation status (reconciled / warnings / errors).

{{ with_reconciliation_status(ref('int_budget_expenditure_facts')) }}
