-- Economic classification (支出经济分类科目): category (类) and item (款) as printed most often
-- (ties go to the first in sort order, so two builds of the same documents agree).

with

lines as (
    select * from {{ ref('fct_basic_expenditure') }}
    where not is_residual
),

keyed as (
    select
        coalesce(economic_code, economic_category || '/' || economic_item) as economic_key,
        *,
    from lines
),

final as (
    select
        economic_key,
        any_value(economic_code) as economic_code,
        mode(economic_category_code order by economic_category_code) as economic_category_code,
        mode(economic_category order by economic_category) as economic_category,
        mode(economic_item order by economic_item) as economic_item,
        count(*) as fact_rows,
    from keyed
    group by economic_key
)

select * from final
