-- Income by source (收入预算): unit × revenue source from the income summary.

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

facts as (
    select
        md5(concat_ws('|', cells.document_id, cells.table_id, cells.row_index, cells.column_index)) as revenue_id,
        cells.document_id,
        cells.fiscal_year,
        cells.department_name,
        cells.unit_name,
        cells.column_path as revenue_source,
        cells.column_label as revenue_item,
        cast(cells.amount_yuan as decimal(20, 2)) as amount_yuan,
        {{ fact_provenance('cells') }},
        false as is_residual,
    from cells
    inner join scope
        on cells.document_id = scope.document_id and cells.table_id = scope.table_id
    where
        cells.amount_yuan is not null
        and not regexp_matches(cells.column_label, '^(小计|合计|总计|收入总计|本年收入合计|本年收入)$')
        and (not scope.has_units or cells.row_kind = 'unit')
),

final as (
    {{ with_reconciliation_status('facts') }}
)

select * from final
