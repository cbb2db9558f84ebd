-- Procurement catalogue (政府采购品目): codes and names as the documents print them.

with

lines as (
    select
        procurement_category_code,
        procurement_category_name
    from {{ ref('int_procurement_lines') }}
    where procurement_category_code is not null
),

final as (
    select
        procurement_category_code,
        mode(procurement_category_name order by procurement_category_name) as procurement_category_name,
        case left(procurement_category_code, 1)
            when 'A' then 'goods' when 'B' then 'works' when 'C' then 'services'
        end as procurement_type,
        length(procurement_category_code) as code_length,
    from lines
    group by procurement_category_code
)

select * from final
