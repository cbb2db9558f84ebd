{{ incremental_by_document() }}

-- Every printed total and subtotal (合计/小计, department, unit and parent rows) with the
-- amounts it prints: what reconciliation compares the facts against. Not a fact table.

with

cells as (
    select * from {{ ref('int_cells_joined_to_rows') }}
    where not is_percent and amount_yuan is not null
),

facts as (
    select
        md5(concat_ws('|', document_id, table_id, row_index, column_index)) as printed_total_id,
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        table_id,
        table_type,
        table_title,
        row_index,
        row_kind,
        row_code,
        row_name,
        row_label,
        row_year,
        child_count,
        column_index,
        column_path,
        amount_yuan,
        source_page,
    from cells
    where row_kind in ('total', 'department', 'unit', 'group') or child_count > 0
),

final as (
    {{ with_reconciliation_status('facts') }}
)

select * from final
