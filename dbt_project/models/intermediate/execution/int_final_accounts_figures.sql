{{ incremental_by_document() }}

-- Every amount final accounts (决算) print, each with the measure its column holds: `budget`
-- (预算数, 年初预算, 全年预算, 调整预算 columns) or `final` (决算数 and every other amount column).
-- Layout rows and columns (栏次, 行次), percentages and change columns are left out.

with

finals as (
    select document_id
    from {{ ref('stg_raw__documents') }}
    where status = 'loaded' and phase = 'final'
),

cells as (
    select cells.*
    from {{ ref('int_cells_joined_to_rows') }} as cells
    inner join finals on cells.document_id = finals.document_id
    where
        not cells.is_percent
        and not cells.is_derived_column
        and cells.row_kind <> 'derived'
        and cells.amount_yuan is not null
        and cells.table_type not in ('performance', 'other')
        and not regexp_matches(coalesce(cells.column_label, ''), '^(行次|栏次|序号|编号|项目编号)$')
        and not regexp_matches(coalesce(cells.row_name, ''), '^(栏次|行次|\*+)$')
),

final as (
    select
        md5(concat_ws('|', document_id, table_id, row_index, column_index)) as figure_id,
        document_id,
        fiscal_year,
        department_name,
        unit_name,
        table_id,
        table_type,
        table_title,
        source_page,
        row_index,
        row_kind,
        row_code,
        row_name,
        row_label,
        column_index,
        column_path,
        case
            when
                regexp_matches(column_path, '预算数|(年初|全年|调整后?)预算')
                and not regexp_matches(column_path, '决算')
                then 'budget'
            else 'final'
        end as measure,
        cast(amount_yuan as decimal(20, 2)) as amount_yuan,
    from cells
)

select * from final
{{ only_documents_to_rebuild() }}
