-- Budget against final accounts (预算执行): one row per department × fiscal year with final
-- accounts (决算) loaded and a budget to compare them with — the budget document's figures where
-- it is loaded, else (三公 only) the budget the final accounts print beside the amounts spent.
-- Execution rate = final ÷ budget.

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

three_public_printed as (
    select
        document_id,
        sum(budget_yuan) as three_public_budget_yuan,
    from {{ ref('int_final_accounts_printed_budget') }}
    where line_kind = 'three_public'
    group by all
),

-- The 三公 budget printed in the final accounts used for the final row.
printed_budgets as (
    select
        finals.department_year_id,
        max(printed.three_public_budget_yuan) as three_public_budget_yuan,
    from finals
    inner join {{ ref('bridge_department_year_document') }} as used
        on finals.department_year_id = used.department_year_id and used.is_figure_source
    inner join three_public_printed as printed
        on used.document_id = printed.document_id
    group by all
),

final as (
    select
        finals.department_id,
        finals.fiscal_year,
        {% for figure in ['total_expenditure', 'general_budget_expenditure', 'procurement'] %}
            budgets.{{ figure }}_yuan as budget_{{ figure }}_yuan,
            finals.{{ figure }}_yuan as final_{{ figure }}_yuan,
            cast(finals.{{ figure }}_yuan / nullif(budgets.{{ figure }}_yuan, 0) as decimal(10, 4))
                as {{ figure }}_execution_rate,
        {% endfor %}
        coalesce(budgets.three_public_yuan, printed_budgets.three_public_budget_yuan) as budget_three_public_yuan,
        finals.three_public_yuan as final_three_public_yuan,
        cast(
            finals.three_public_yuan
            / nullif(coalesce(budgets.three_public_yuan, printed_budgets.three_public_budget_yuan), 0)
            as decimal(10, 4)
        ) as three_public_execution_rate,
        case
            when budgets.department_year_id is not null then 'budget'
            when printed_budgets.three_public_budget_yuan is not null then 'final_accounts'
        end as budget_source,
        budgets.department_year_id as budget_department_year_id,
        finals.department_year_id as final_department_year_id,
        case
            when 'errors' in (budgets.reconciliation_status, finals.reconciliation_status) then 'errors'
            when 'unverified' in (budgets.reconciliation_status, finals.reconciliation_status) then 'unverified'
            when 'warnings' in (budgets.reconciliation_status, finals.reconciliation_status) then 'warnings'
            else 'reconciled'
        end as reconciliation_status,
    from finals
    left join budgets
        on finals.department_id = budgets.department_id and finals.fiscal_year = budgets.fiscal_year
    left join printed_budgets on finals.department_year_id = printed_budgets.department_year_id
    where budgets.department_year_id is not null or printed_budgets.three_public_budget_yuan is not null
)

select * from final
