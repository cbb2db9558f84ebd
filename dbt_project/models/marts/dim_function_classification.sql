-- Functional classification (支出功能分类科目): 类 / 款 / 项 codes as the documents print them.

with

cells as (
    select
        row_code,
        row_name
    from {{ ref('int_cells_joined_to_rows') }}
    where table_type in (
        'general_budget_function', 'expenditure_summary', 'fiscal_appropriation_summary',
        'government_fund', 'state_capital', 'income_expenditure_summary'
    )
    and regexp_matches(coalesce(row_code, ''), '^[0-9]{3}([0-9]{2}){0,2}$')
),

class_labels as (
    select * from {{ ref('function_class_labels') }}
),

named as (
    select
        row_code as function_code,
        row_name as function_name,
        count(*) as seen
    from cells
    group by all
),

codes as (
    select
        function_code,
        first(function_name order by seen desc, function_name asc) as function_name,
        case length(function_code) when 3 then '类' when 5 then '款' else '项' end as function_level,
        case when length(function_code) > 3 then left(function_code, length(function_code) - 2) end
            as parent_function_code,
    from named
    group by function_code
),

-- The class (类) each code belongs to, with its English name.
final as (
    select
        codes.*,
        left(codes.function_code, 3) as function_class_code,
        class_labels.class_name_en as function_class_name_en,
    from codes
    left join class_labels on left(codes.function_code, 3) = class_labels.function_code
)

select * from final
