{{ incremental_by_document() }}

-- Every amount cell with its row, column, table and document context: the long form
-- every fact is cut from.

with

-- Each input limited to the documents to rebuild: `rows` is read twice (the row, its children),
-- so DuckDB materialises it, and the final filter would not reach its scan.
cells as (
    select * from {{ rows_to_rebuild(ref('stg_raw__cells')) }}
),

rows as (
    select * from {{ rows_to_rebuild(ref('stg_raw__rows')) }}
),

columns as (
    select * from {{ rows_to_rebuild(ref('stg_raw__columns')) }}
),

tables as (
    select
        document_id,
        table_id,
        table_type,
        table_title,
        amount_unit
    from {{ rows_to_rebuild(ref('stg_raw__tables')) }}
),

documents as (
    select
        document_id,
        department_name,
        fiscal_year,
        phase
    from {{ rows_to_rebuild(ref('stg_raw__documents')) }}
    where status = 'loaded'
),

children as (
    select
        document_id,
        table_id,
        parent_row_index,
        count(*) as child_count
    from rows
    where parent_row_index is not null
    group by all
),

final as (
    select
        cells.document_id,
        documents.fiscal_year,
        documents.department_name,
        coalesce(rows.unit_name, documents.department_name) as unit_name,
        tables.table_id,
        tables.table_type,
        tables.table_title,
        tables.amount_unit,
        rows.row_index,
        rows.source_page,
        rows.row_kind,
        rows.row_level,
        rows.parent_row_index,
        coalesce(children.child_count, 0) as child_count,
        rows.row_code,
        rows.row_name,
        rows.project_name,
        rows.catalogue_code,
        rows.group_name,
        rows.row_year,
        columns.column_index,
        columns.column_path,
        columns.column_label,
        -- a column group headed 上年 / 当年 (Xi'an 三公 tables) is the prior / budget year
        coalesce(
            columns.column_year,
            case
                when regexp_matches(columns.column_path, '(^|/)上年(预算)?数?(/|$)') then documents.fiscal_year - 1
                when regexp_matches(columns.column_path, '(^|/)(当年|本年)(预算)?数?(/|$)') then documents.fiscal_year
            end
        ) as column_year,
        columns.is_derived_column,
        -- Not the figures the document is about: in final accounts (决算) the budget (预算数) printed
        -- beside the amounts spent, in budgets the 执行数 / 决算数 / 上年 / 扣除…后 columns.
        case
            when documents.phase = 'final'
                then
                    regexp_matches(columns.column_path, '预算数|上年|扣除')
                    and not regexp_matches(columns.column_path, '决算')
            else columns.is_other_measure_column
        end as is_other_measure_column,
        cells.row_label,
        cells.raw_text,
        cells.printed_value,
        cells.is_percent,
        cells.amount_yuan,
    from cells
    inner join documents on cells.document_id = documents.document_id
    inner join tables
        on cells.document_id = tables.document_id and cells.table_id = tables.table_id
    inner join rows
        on
            cells.document_id = rows.document_id
            and cells.table_id = rows.table_id
            and cells.row_index = rows.row_index
    inner join columns
        on
            cells.document_id = columns.document_id
            and cells.table_id = columns.table_id
            and cells.column_index = columns.column_index
    left join children
        on
            rows.document_id = children.document_id
            and rows.table_id = children.table_id
            and rows.row_index = children.parent_row_index
)

select * from final
{{ only_documents_to_rebuild() }}
