-- "三公"经费: unit × year × category, summed over fund columns.
-- Each row carries its document's reconciliation status (reconciled / warnings / errors).

with

facts as (
    select * from {{ ref('int_three_public_expenditure_facts') }}
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
