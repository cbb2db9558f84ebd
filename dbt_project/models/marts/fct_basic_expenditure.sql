{{ incremental_by_document() }}

-- 基本支出 by economic classification: unit × category (类) × item (款).
-- Each row carries its document's reconciliation status (reconciled / warnings / errors).

{{ with_reconciliation_status(ref('int_basic_expenditure_facts')) }}
