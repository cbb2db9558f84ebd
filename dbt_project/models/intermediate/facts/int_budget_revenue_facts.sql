{{ config(materialized='table') }}

-- Income by source (收入预算): unit × revenue source from the income summary. The rows of
-- fct_budget_revenue before their document's reconciliation status is attached: the
-- reconciliation rules read these rows, so the status they produce cannot feed back into them.

with

cells as (
    select * from {{ ref('int_cells_joined_to_rows') }}
    where
        table_type = 'income_summary'
        and not is_derived_column
        and not is_percent
        and row_kind not in ('total', 'derived')
),

scope as (
    select
        document_id,
        table_id,
        bool_or(row_kind = 'unit') as has_units
    from cells
    group by all
),

-- The cells read as facts: the units' rows where the table lists units, else every line.
lines as (
    select cells.*
    from cells
    inner join scope
        on cells.document_id = scope.document_id and cells.table_id = scope.table_id
    where
        cells.amount_yuan is not null
        and not regexp_matches(cells.column_label, '^(小计|合计|总计|收入总计|本年收入合计|本年收入)$')
        and (not scope.has_units or cells.row_kind = 'unit')
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
