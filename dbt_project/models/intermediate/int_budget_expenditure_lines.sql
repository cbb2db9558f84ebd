{{ incremental_by_document() }}

-- General-public-budget expenditure by function and type: one row per printed row
-- (leaf or parent) × expenditure type, from the budget-year basic / project columns.

with

all_cells as (
    select * from {{ rows_to_rebuild(ref('int_cells_joined_to_rows')) }}
    where
        table_type = 'general_budget_function'
        and not is_derived_column
        and not is_other_measure_column
        and not is_percent
        and row_kind not in ('total', 'derived', 'department', 'unit')
        and (column_year is null or column_year = fiscal_year)
),

-- One table per document, so nothing is counted twice: the first one titled by function
-- (按功能分类), else the first (a title that lost its 经济分类 line also reads 一般公共预算支出).
cells as (
    select *
    from all_cells
    qualify
        table_id
        = arg_min(table_id, (not regexp_matches(table_title, '功能'), table_id)) over (partition by document_id)
),

typed as (
    select
        *,
        case
            when regexp_matches(column_path, '基本支出|人员经费|公用经费|日常公用') then 'basic'
            when regexp_matches(column_path, '项目支出|专项') then 'project'
        end as expenditure_type,
        regexp_matches(column_label, '^(其中:)?(基本支出|项目支出|小计|合计)$') as is_type_total,
    from cells
),

-- Where a type has a subtotal column (基本支出/小计) use it; otherwise add its parts
-- (e.g. 基本支出 split into 人员经费 and 日常公用支出 with no subtotal).
type_columns as (
    select
        document_id,
        table_id,
        expenditure_type,
        bool_or(is_type_total) as has_total
    from typed
    where expenditure_type is not null
    group by all
),

final as (
    select
        typed.document_id,
        typed.fiscal_year,
        typed.department_name,
        typed.unit_name,
        typed.table_id,
        typed.table_title,
        typed.row_index,
        typed.parent_row_index,
        typed.child_count,
        typed.row_code as function_code,
        typed.row_name as function_name,
        typed.expenditure_type,
        min(typed.source_page) as source_page,
        sum(typed.amount_yuan) as amount_yuan,
        count(typed.amount_yuan) as printed_cells,
    from typed
    inner join type_columns
        on
            typed.document_id = type_columns.document_id
            and typed.table_id = type_columns.table_id
            and typed.expenditure_type = type_columns.expenditure_type
    where typed.is_type_total or not type_columns.has_total
    group by all
)

select * from final
{{ only_documents_to_rebuild() }}
