{{ incremental_by_document() }}

-- "三公"经费: unit × year × category, summed over fund columns.
-- Each row carries its document's reconciliation status (reconciled / warnings / errors).

{{ with_reconciliation_status(ref('int_three_public_expenditure_facts')) }}
