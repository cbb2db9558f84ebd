-- The year's "三公" budget as final accounts (决算) print it beside the amounts spent: the 预算数
-- columns of the 三公 决算表, one amount per document (its total row, else department row,
-- else every row). fct_budget_execution compares the final amounts with it where the budget
-- document itself is not loaded.

with

finals as (
    select document_id
    from {{ ref('stg_raw__documents') }}
    where status = 'loaded' and phase = 'final'
),

cells as (
    select
        cells.document_id,
        cells.table_id,
        cells.row_kind,
        cells.source_page,
        cells.amount_yuan,
        {{ three_public_category('cells.column_path') }} as category,
    from {{ ref('int_cells_joined_to_rows') }} as cells
    inner join finals on cells.document_id = finals.document_id
    where
        cells.table_type = 'three_public'
        and not cells.is_derived_column
        and not cells.is_percent
        and cells.row_kind <> 'derived'
        and cells.amount_yuan is not null
        and regexp_matches(cells.column_path, '预算')
        and not regexp_matches(cells.column_path, '决算')
),

scoped as (
    select *
    from cells
    where category is not null
    qualify row_kind = case
        when bool_or(row_kind = 'total') over (partition by document_id, table_id) then 'total'
        when bool_or(row_kind = 'department') over (partition by document_id, table_id) then 'department'
        else row_kind
    end
),

first_tables as (
    select
        document_id,
        min(table_id) as table_id
    from scoped
    group by all
),

final as (
    select
        scoped.document_id,
        cast(sum(scoped.amount_yuan) as decimal(20, 2)) as three_public_budget_yuan,
        min(scoped.source_page) as source_page,
    from scoped
    inner join first_tables
        on scoped.document_id = first_tables.document_id and scoped.table_id = first_tables.table_id
    group by all
)

select * from final
