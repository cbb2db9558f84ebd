{{ incremental_by_document() }}

-- Per document and fact table: the sum of its facts (residual rows included) — what the
-- verification compares with the figures the document prints. 三公 facts of the budget year
-- only; revenue
-- from the income summary. Read from the facts before they carry reconciliation_status (which this feeds).

with

facts as (
    select
        'fct_budget_expenditure' as fact_table,
        document_id,
        'table' as source,
        source_table_id,
        amount_yuan,
        is_residual,
    from {{ rows_to_rebuild(ref('int_budget_expenditure_facts')) }}

    union all

    select
        'fct_basic_expenditure' as fact_table,
        document_id,
        'table' as source,
        source_table_id,
        amount_yuan,
        is_residual,
    from {{ rows_to_rebuild(ref('int_basic_expenditure_facts')) }}

    union all

    select
        'fct_procurement' as fact_table,
        document_id,
        source,
        source_table_id,
        amount_yuan,
        is_residual,
    from {{ rows_to_rebuild(ref('int_procurement_facts')) }}

    union all

    select
        'fct_three_public_expenditure' as fact_table,
        document_id,
        source,
        source_table_id,
        amount_yuan,
        is_residual,
    from {{ rows_to_rebuild(ref('int_three_public_expenditure_facts')) }}
    where year = fiscal_year

    union all

    select
        'fct_budget_revenue' as fact_table,
        document_id,
        'table' as source,
        source_table_id,
        amount_yuan,
        is_residual,
    from {{ rows_to_rebuild(ref('int_budget_revenue_facts')) }}

),

sums as (
    select
        fact_table,
        document_id,
        source,
        min(source_table_id) as table_id,
        sum(amount_yuan) as observed_yuan,
        count(*) as items_summed,
        count(*) filter (where is_residual) as residual_rows,
        count(distinct source_table_id) as tables_summed,
    from facts
    group by all
),

-- A document's table facts stand for it where it also has narrative ones.
final as (
    select *
    from sums
    qualify row_number() over (partition by fact_table, document_id order by source = 'table' desc) = 1
)

select * from final
{{ only_documents_to_rebuild() }}
