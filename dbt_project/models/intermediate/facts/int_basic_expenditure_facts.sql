{{ incremental_by_document() }}

-- 基本支出 by economic classification: unit × category (类) × item (款).
-- The rows of fct_basic_expenditure before their document's reconciliation status is attached: the
-- reconciliation rules read these rows, so the status they produce cannot feed back into them.

with

lines as (
    select * from {{ rows_to_rebuild(ref('int_basic_expenditure_lines')) }}
),

facts as (
    {{ leaves_with_residuals('lines') }}
),

final as (
    select
        md5(concat_ws('|', document_id, table_id, row_index, is_residual)) as basic_expenditure_id,
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        economic_category,
        economic_category_code,
        economic_item,
        economic_code,
        cast(amount_yuan as decimal(20, 2)) as amount_yuan,
        {{ fact_provenance() }},
        is_residual,
    from facts
)

select * from final
{{ only_documents_to_rebuild() }}
