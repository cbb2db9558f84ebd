-- Budget against final accounts (预算执行): one row per department × fiscal year for which both
-- the budget (预算) and the final accounts (决算) are loaded, with execution rates (决算 ÷ 预算).

with

department_years as (
    select * from {{ ref('fct_department_year') }}
),

budgets as (
    select * from department_years
    where phase = 'budget'
),

finals as (
    select * from department_years
    where phase = 'final'
),

final as (
    select
        budgets.department_id,
        budgets.fiscal_year,
        {% for figure in ['total_expenditure', 'general_budget_expenditure', 'procurement', 'three_public'] %}
            budgets.{{ figure }}_yuan as budget_{{ figure }}_yuan,
            finals.{{ figure }}_yuan as final_{{ figure }}_yuan,
            cast(finals.{{ figure }}_yuan / nullif(budgets.{{ figure }}_yuan, 0) as decimal(10, 4))
                as {{ figure }}_execution_rate,
        {% endfor %}
        budgets.department_year_id as budget_department_year_id,
        finals.department_year_id as final_department_year_id,
        case
            when 'errors' in (budgets.reconciliation_status, finals.reconciliation_status) then 'errors'
            when 'warnings' in (budgets.reconciliation_status, finals.reconciliation_status) then 'warnings'
            else 'reconciled'
        end as reconciliation_status,
    from budgets
    inner join finals
        on budgets.department_id = finals.department_id and budgets.fiscal_year = finals.fiscal_year
)

select * from final
