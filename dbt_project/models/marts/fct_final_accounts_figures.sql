{{ incremental_by_document() }}

-- Final accounts read fully: every amount of every table of a final-accounts document with the
-- measure its column holds (budget 预算数 / final 决算数) and where it is printed.

with

figures as (
    select * from {{ ref('int_final_accounts_figures') }}
),

final as (
    select
        figure_id,
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        table_type,
        measure,
        row_kind,
        row_code,
        row_name,
        row_label,
        column_path,
        amount_yuan,
        {{ fact_provenance() }},
        column_index as source_column_index,
        false as is_residual,
    from figures
)

select * from final
{{ only_documents_to_rebuild() }}
