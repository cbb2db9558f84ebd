{{ incremental_by_document() }}

-- Every printed amount the reconciliation rules compare: one row per cell of a budget table
-- (performance and unclassified tables, percentages, derived rows and change columns excluded),
-- with the header tree of its column, the side of a two-sided summary table it sits on and
-- the rounding step of its table.

with

-- Row-number columns (行次, 栏次…) and column-number rows (栏次 1 2 3, ** 1 2 3) are layout,
-- not amounts, wherever the extraction lets them through.
cells as (
    select * from {{ rows_to_rebuild(ref('int_cells_joined_to_rows')) }}
    where
        not is_percent
        and not is_derived_column
        and row_kind <> 'derived'
        and table_type not in ('performance', 'other')
        and not regexp_matches(coalesce(column_label, ''), '^(行次|栏次|序号|编号|项目编号)$')
        and not regexp_matches(coalesce(row_name, ''), '^(栏次|行次|\*+)$')
),

columns as (
    select
        document_id,
        table_id,
        column_index,
        column_role,
        header_labels
    from {{ rows_to_rebuild(ref('stg_raw__columns')) }}
),

tables as (
    select
        document_id,
        table_id,
        printed_number,
        unit_multiplier
    from {{ rows_to_rebuild(ref('stg_raw__tables')) }}
),

documents as (
    select
        document_id,
        source_file
    from {{ rows_to_rebuild(ref('stg_raw__documents')) }}
),

-- A two-sided table prints income and expenditure side by side, each with its own labels
-- (收支总表, 财政拨款收支总表): its rows are parented on one side's labels only. Label columns
-- side by side before the first amount (项目编号 | 项目) are one side's code and name, unless
-- each name has a code column of its own: two classifications side by side (部门经济科目编码 |
-- 名称 | 政府经济科目编码 | 名称), the rows ordered by one, the other's codes repeating.
two_sided as (
    select
        document_id,
        table_id,
        count(distinct header_labels[1]) filter (where column_role = 'name') >= 2
        and (
            max(column_index) filter (where column_role = 'name')
            > min(column_index) filter (where column_role = 'amount')
            or count(distinct header_labels[1]) filter (where column_role = 'code') >= 2
        ) as has_two_label_groups,
    from columns
    group by all
),

final as (
    select
        cells.document_id,
        documents.source_file,
        cells.fiscal_year,
        cells.department_name,
        cells.unit_name,
        cells.table_id,
        cells.table_type,
        cells.table_title,
        tables.printed_number,
        cells.row_index,
        cells.source_page,
        cells.row_kind,
        cells.row_level,
        cells.parent_row_index,
        cells.child_count,
        cells.row_code,
        cells.row_name,
        cells.row_year,
        cells.row_label,
        -- The label a reader sees: code and name of the row (or of its side, two-sided tables).
        trim(concat_ws(' ', cells.row_code, nullif(cells.row_name, ''))) as row_display,
        cells.column_index,
        cells.column_path,
        columns.header_labels,
        len(columns.header_labels) as column_depth,
        cells.column_year,
        cells.is_other_measure_column,
        not cells.is_other_measure_column as is_current_measure,
        case
            when not (
                cells.table_type in ('income_expenditure_summary', 'fiscal_appropriation_summary')
                or two_sided.has_two_label_groups
            ) then null
            when regexp_matches(cells.column_path, '支出') then 'expenditure'
            when regexp_matches(cells.column_path, '收入') then 'income'
        end as table_side,
        coalesce(
            cells.table_type in ('income_expenditure_summary', 'fiscal_appropriation_summary')
            or two_sided.has_two_label_groups,
            false
        ) as is_two_sided,
        cells.printed_value,
        cells.raw_text,
        cells.amount_yuan,
        -- Rounding step of one printed amount, in yuan: 0.01 of the printed unit for 万元 and
        -- coarser units (var rounding_yuan_per_item, default 100 = 0.01 万元), at least 1 元.
        greatest(
            1,
            {{ var('rounding_yuan_per_item') }} * tables.unit_multiplier / 10000
        )::decimal(20, 2) as rounding_yuan,
    from cells
    inner join documents on cells.document_id = documents.document_id
    inner join tables
        on cells.document_id = tables.document_id and cells.table_id = tables.table_id
    inner join columns
        on
            cells.document_id = columns.document_id
            and cells.table_id = columns.table_id
            and cells.column_index = columns.column_index
    left join two_sided
        on cells.document_id = two_sided.document_id and cells.table_id = two_sided.table_id
)

select * from final
{{ only_documents_to_rebuild() }}
