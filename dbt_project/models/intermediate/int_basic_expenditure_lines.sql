{{ incremental_by_document() }}

-- Basic expenditure by economic classification (基本支出): every printed row of the
-- basic-expenditure table with its 类 (category), from the table's total column.

with

all_cells as (
    select * from {{ rows_to_rebuild(ref('int_cells_joined_to_rows')) }}
    where
        table_type = 'basic_expenditure'
        and not is_derived_column
        and not is_other_measure_column
        and not is_percent
        and row_kind in ('group', 'item')
),

-- A document may print the basic expenditure twice (基本支出预算表 for all funds and
-- 一般公共预算基本支出表): take one table, preferring the all-funds one, so nothing is
-- counted twice.
cells as (
    select *
    from all_cells
    qualify
        table_id
        = arg_min(table_id, (regexp_matches(table_title, '一般公共预算|财政拨款'), table_id)) over (partition by document_id)
),

-- The 总计/合计 column: the first amount column labelled as a total, else the first one.
total_column as (
    select
        document_id,
        table_id,
        coalesce(
            min(column_index) filter (where regexp_matches(column_path, '^[^/]*(总计|合计|小计|预算数|金额|决算数)')),
            min(column_index)
        ) as column_index,
    from cells
    group by all
),

rows as (
    select cells.*
    from cells
    inner join total_column
        on
            cells.document_id = total_column.document_id
            and cells.table_id = total_column.table_id
            and cells.column_index = total_column.column_index
),

categories as (
    select
        document_id,
        table_id,
        row_index,
        row_code,
        row_name
    from rows
    where row_level = 1
),

final as (
    select
        rows.document_id,
        rows.fiscal_year,
        rows.department_name,
        rows.unit_name,
        rows.table_id,
        rows.table_title,
        rows.row_index,
        rows.parent_row_index,
        rows.child_count,
        coalesce(categories.row_name, rows.row_name) as economic_category,
        coalesce(categories.row_code, case when rows.row_level = 1 then rows.row_code end)
            as economic_category_code,
        rows.row_name as economic_item,
        rows.row_code as economic_code,
        rows.source_page,
        rows.amount_yuan,
    from rows
    left join categories
        on
            rows.document_id = categories.document_id
            and rows.table_id = categories.table_id
            and rows.parent_row_index = categories.row_index
)

select * from final
{{ only_documents_to_rebuild() }}
