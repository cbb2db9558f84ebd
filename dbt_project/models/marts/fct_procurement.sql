{{ incremental_by_document() }}

-- 政府采购: one row per leaf line of the most detailed breakdown the document prints.
-- Each row carries its document's reconciliation status (reconciled / warnings / errors).

{{ with_reconciliation_status(ref('int_procurement_facts')) }}
