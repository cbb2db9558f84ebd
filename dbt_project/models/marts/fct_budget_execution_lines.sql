-- Budget against outturn per department × fiscal year × line (预算执行明细): each function class
-- (类) of general-public-budget expenditure and each 三公 category of a department-year with final
-- accounts loaded. The budget is the one the final accounts print (their 预算数 columns, or the
-- narrative's 年初预算为 … per 项 summed to its class), else the year's budget document where it
-- is loaded (budget_source). Execution rate = final ÷ budget.

with

lines as (
    select * from {{ ref('int_budget_execution_lines') }}
),

classes as (
    select
        function_code,
        function_name,
    from {{ ref('dim_function_classification') }}
),

departments as (
    select
        department_id,
        department_name,
    from {{ ref('dim_department') }}
),

final as (
    select
        md5(concat_ws('|', lines.department_id, lines.fiscal_year, lines.line_kind, lines.line_code))
            as execution_line_id,
        lines.department_id,
        departments.department_name,
        lines.fiscal_year,
        lines.line_kind,
        lines.line_code,
        case
            when lines.line_kind = 'function_class' then classes.function_name
            else {{ three_public_category_name('lines.line_code') }}
        end as line_name,
        coalesce(lines.printed_budget_yuan, lines.budget_document_yuan) as budget_yuan,
        lines.final_yuan,
        cast(
            lines.final_yuan / nullif(coalesce(lines.printed_budget_yuan, lines.budget_document_yuan), 0)
            as decimal(10, 4)
        ) as execution_rate,
        case
            when lines.printed_budget_source = 'table' then 'final_accounts_table'
            when lines.printed_budget_source = 'narrative' then 'final_accounts_narrative'
            when lines.budget_document_yuan is not null then 'budget_document'
        end as budget_source,
        lines.printed_budget_yuan,
        lines.budget_document_yuan,
        lines.final_document_id as document_id,
        lines.budget_document_id,
        lines.final_source_page as source_page,
        coalesce(lines.printed_budget_page, lines.budget_document_page) as budget_source_page,
    from lines
    left join classes on lines.line_kind = 'function_class' and lines.line_code = classes.function_code
    left join departments on lines.department_id = departments.department_id
)

select * from final
