-- 基本支出 by economic classification: unit × category (类) × item (款).
-- Each row carries its document's reconciliation status (reconciled / warnings / errors).

with

facts as (
    select * from {{ ref('int_basic_expenditure_facts') }}
),

documents as (
    select * from {{ ref('document_reconciliation') }}
),

final as (
    select
        facts.*,
        documents.reconciliation_status,
    from facts
    left join documents on facts.document_id = documents.document_id
)

select * from final
