-- The year's budget as final accounts (决算) print it beside the amounts spent, per document ×
-- line: each 三公 category (预算数 columns of the 三公 决算表: its total row, else department row,
-- else every row) and each function class (类) of general-public-budget expenditure — from the
-- budget columns of the 一般公共预算财政拨款支出决算表 where it prints them (全年/调整 before
-- 年初), else from the narrative's 年初预算为 … 支出决算为 … per 项, summed to its class.

with

figures as (
    select * from {{ ref('int_final_accounts_figures') }}
),

three_public_cells as (
    select
        document_id,
        table_id,
        row_kind,
        source_page,
        amount_yuan,
        {{ three_public_category('column_path') }} as category,
    from figures
    where table_type = 'three_public' and measure = 'budget'
),

three_public_scoped as (
    select *
    from three_public_cells
    where category is not null
    qualify
        row_kind = case
            when bool_or(row_kind = 'total') over (partition by document_id, table_id) then 'total'
            when bool_or(row_kind = 'department') over (partition by document_id, table_id) then 'department'
            else row_kind
        end
        and table_id = min(table_id) over (partition by document_id)
),

three_public as (
    select
        document_id,
        'three_public' as line_kind,
        category as line_code,
        sum(amount_yuan) as budget_yuan,
        'table' as budget_source,
        min(source_page) as source_page,
    from three_public_scoped
    group by all
),

-- Function classes (3-digit codes) of the general-budget table, as printed in the final column.
classes as (
    select distinct
        document_id,
        row_code as function_code,
        row_name as function_name,
        regexp_replace(row_name, '支出$', '') as class_key,
    from figures
    where table_type = 'general_budget_function' and regexp_matches(coalesce(row_code, ''), '^[0-9]{3}$')
),

table_classes as (
    select
        document_id,
        'function_class' as line_kind,
        row_code as line_code,
        amount_yuan as budget_yuan,
        'table' as budget_source,
        source_page,
    from figures
    where
        table_type = 'general_budget_function'
        and measure = 'budget'
        and regexp_matches(coalesce(row_code, ''), '^[0-9]{3}$')
    qualify row_number() over (
        partition by document_id, row_code
        order by
            regexp_matches(column_path, '基本支出|项目支出'),
            not regexp_matches(column_path, '全年|调整'),
            table_id,
            column_index
    ) = 1
),

narrative_classes as (
    select
        notes.document_id,
        'function_class' as line_kind,
        classes.function_code as line_code,
        sum(notes.budget_yuan) as budget_yuan,
        'narrative' as budget_source,
        min(notes.source_page) as source_page,
    from {{ ref('stg_raw__execution_notes') }} as notes
    inner join classes
        on
            notes.document_id = classes.document_id
            and regexp_replace(notes.class_name, '支出$', '') = classes.class_key
    where notes.document_id not in (select document_id from table_classes)
    group by all
),

final as (
    select * from three_public
    union all
    select * from table_classes
    union all
    select * from narrative_classes
)

select * from final
