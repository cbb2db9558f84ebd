{{ incremental_by_document() }}

-- Income by source (收入预算): unit × revenue source from the income summary. The rows of
-- fct_budget_revenue before their document's reconciliation status is attached: the
-- reconciliation rules read these rows, so the status they produce cannot feed back into them.

with

cells as (
    select * from {{ rows_to_rebuild(ref('int_cells_joined_to_rows')) }}
    where
        table_type = 'income_summary'
        and not is_derived_column
        and not is_percent
        and row_kind not in ('total', 'derived')
),

-- The income columns of each table: a column group's parent path, whether the column is a total
-- (合计, 小计, 总计 …) or a memo (其中: a part of the column beside it, never an income of its own).
columns as (
    select distinct
        document_id,
        table_id,
        column_index,
        column_path,
        column_label,
        regexp_matches(column_label, '^(小计|合计|总计|收入总计|本年收入合计|本年收入)$') as is_total,
        regexp_matches(column_path, '(^|/)其中') as is_memo,  -- '其中:专项资金/列入部门预算/项目' wraps
        case when contains(column_path, '/') then regexp_replace(column_path, '/[^/]*$', '') end as group_path,
    from cells
),

-- The income sources: every column that is neither a total nor a memo, and the subtotal (小计) of
-- a group whose other columns, at any depth, are only memos (一般公共预算拨款: 小计 | 其中:专项资金…) — there the
-- subtotal is the group's only income.
income_columns as (
    select *
    from columns
    where
        not is_memo
        and (
            not is_total
            or (
                group_path is not null
                and not exists (
                    select 1
                    from columns as sibling
                    where
                        sibling.document_id = columns.document_id
                        and sibling.table_id = columns.table_id
                        and starts_with(sibling.column_path, columns.group_path || '/')
                        and sibling.column_index <> columns.column_index
                        and not sibling.is_memo
                )
            )
        )
),

scope as (
    select
        document_id,
        table_id,
        bool_or(row_kind = 'unit') as has_units
    from cells
    group by all
),

income_cells as (
    select
        cells.*,
        scope.has_units,
    from cells
    inner join scope
        on cells.document_id = scope.document_id and cells.table_id = scope.table_id
    inner join income_columns
        on
            cells.document_id = income_columns.document_id
            and cells.table_id = income_columns.table_id
            and cells.column_index = income_columns.column_index
    where cells.amount_yuan is not null
),

-- The cells read as facts: the income columns of the units' rows where the table lists units,
-- else of every line.
lines as (
    select * exclude (has_units)
    from income_cells
    where not has_units or row_kind = 'unit'
),

units_by_department as (
    select
        document_id,
        table_id,
        parent_row_index,
        column_index,
        sum(amount_yuan) as units_yuan,
        count(*) as units,
    from income_cells
    where row_kind = 'unit' and parent_row_index is not null
    group by all
),

-- Where a department's row exceeds the sum of its units' rows (a unit withheld), one residual
-- row under the department carries the difference, as for lines under a parent.
withheld_units as (
    select
        department.* exclude (has_units) replace (
            department.amount_yuan - units_by_department.units_yuan as amount_yuan
        ),
        true as is_residual,
    from income_cells as department
    inner join units_by_department
        on
            department.document_id = units_by_department.document_id
            and department.table_id = units_by_department.table_id
            and department.row_index = units_by_department.parent_row_index
            and department.column_index = units_by_department.column_index
    where
        department.row_kind = 'department'
        and department.amount_yuan - units_by_department.units_yuan
        > units_by_department.units * {{ var('rounding_yuan_per_item') }}
),

-- A table by function code (类 → 款 → 项) prints each amount at every level: its most detailed
-- lines only, with a residual where a parent exceeds its lines. Unit rows are facts as printed.
leaves as (
    select * from ({{ leaves_with_residuals('lines', ['column_index']) }})
    where row_kind <> 'unit'
    union all by name
    select
        *,
        false as is_residual,
    from lines
    where row_kind = 'unit'
    union all by name
    select * from withheld_units
),

facts as (
    select
        md5(
            concat_ws('|', document_id, table_id, row_index, column_index, case when is_residual then 'residual' end)
        ) as revenue_id,
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        column_path as revenue_source,
        column_label as revenue_item,
        cast(amount_yuan as decimal(20, 2)) as amount_yuan,
        {{ fact_provenance() }},
        is_residual,
    from leaves
)

select * from facts
{{ only_documents_to_rebuild() }}
