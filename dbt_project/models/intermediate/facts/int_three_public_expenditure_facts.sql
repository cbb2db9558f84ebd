{{ incremental_by_document() }}

-- "三公"经费: unit × year × category, summed over fund columns.
-- The rows of fct_three_public_expenditure before their document's reconciliation status is attached: the
-- reconciliation rules read these rows, so the status they produce cannot feed back into them.

with

lines as (
    select * from {{ rows_to_rebuild(ref('int_three_public_lines')) }}
),

final as (
    select
        md5(concat_ws('|', document_id, table_id, unit_name, year, category, is_residual)) as three_public_id,
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        year,
        category,
        cast(amount_yuan as decimal(20, 2)) as amount_yuan,
        {{ fact_provenance() }},
        source,
        is_residual,
    from lines
)

select * from final
{{ only_documents_to_rebuild() }}
