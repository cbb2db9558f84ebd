-- 政府采购: one row per leaf line of the most detailed breakdown the document prints.
-- Each row carries its document's reconciliation status (reconciled / warnings / errors).

with

facts as (
    select * from {{ ref('int_procurement_facts') }}
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
