{{ incremental_by_document() }}

-- 一般公共预算支出: unit × most detailed function code × basic/project.
-- The rows of fct_budget_expenditure before their document's reconciliation status is attached: the
-- reconciliation rules read these rows, so the status they produce cannot feed back into them.

with

lines as (
    select * from {{ rows_to_rebuild(ref('int_budget_expenditure_lines')) }}
),

facts as (
    {{ leaves_with_residuals('lines', ['expenditure_type']) }}
),

final as (
    select
        md5(concat_ws('|', document_id, table_id, row_index, expenditure_type, is_residual)) as budget_expenditure_id,
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        function_code,
        function_name,
        expenditure_type,
        cast(amount_yuan as decimal(20, 2)) as amount_yuan,
        {{ fact_provenance() }},
        is_residual,
    from facts
)

select * from final
{{ only_documents_to_rebuild() }}
