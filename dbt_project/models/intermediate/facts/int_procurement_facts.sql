{{ incremental_by_document() }}

-- 政府采购: one row per leaf line of the most detailed breakdown the document prints.
-- The rows of fct_procurement before their document's reconciliation status is attached: the
-- reconciliation rules read these rows, so the status they produce cannot feed back into them.

with

lines as (
    select * from {{ rows_to_rebuild(ref('int_procurement_lines')) }}
),

facts as (
    {{ leaves_with_residuals('lines') }}
),

final as (
    select
        md5(concat_ws('|', document_id, table_id, row_index, procurement_source, is_residual)) as procurement_id,
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        procurement_category_code,
        procurement_category_name,
        project_name,
        function_code,
        case
            when left(procurement_category_code, 1) = 'A' then 'goods'
            when left(procurement_category_code, 1) = 'B' then 'works'
            when left(procurement_category_code, 1) = 'C' then 'services'
            when regexp_matches(coalesce(group_name, procurement_category_name), '^货物') then 'goods'
            when regexp_matches(coalesce(group_name, procurement_category_name), '^工程') then 'works'
            when regexp_matches(coalesce(group_name, procurement_category_name), '^服务') then 'services'
        end as procurement_type,
        cast(amount_yuan as decimal(20, 2)) as amount_yuan,
        {{ fact_provenance() }},
        procurement_source,
        case procurement_source when 'narrative' then 'narrative' else 'table' end as source,
        is_residual,
    from facts
)

select * from final
{{ only_documents_to_rebuild() }}
