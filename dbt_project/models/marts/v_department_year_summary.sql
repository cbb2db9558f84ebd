{{ config(materialized='view') }}

-- One row per department × fiscal year × phase for BI tools (部门年度汇总), read from
-- fct_department_year: a budget and the final accounts of the same year are separate rows, and
-- a disclosure split over two files counts once. total_expenditure_yuan is the
-- general-public-budget expenditure (一般公共预算支出) of the tables; a disclosure without
-- expenditure tables (narrative-only) takes the total its narrative states (expenditure_source).

with

department_years as (
    select * from {{ ref('fct_department_year') }}
),

departments as (
    select
        department_id,
        department_name
    from {{ ref('dim_department') }}
),

final as (
    select
        departments.department_name,
        department_years.fiscal_year,
        department_years.disclosures as documents,
        coalesce(department_years.general_budget_expenditure_yuan, department_years.total_expenditure_yuan)
            as total_expenditure_yuan,
        department_years.basic_expenditure_yuan,
        department_years.project_expenditure_yuan,
        department_years.procurement_yuan,
        department_years.three_public_yuan,
        department_years.files,
        case
            when department_years.general_budget_expenditure_yuan is not null then 'table'
            else department_years.total_expenditure_source
        end as expenditure_source,
        department_years.phase,
        department_years.department_id,
        department_years.reconciliation_status,
    from department_years
    inner join departments on department_years.department_id = departments.department_id
)

select * from final
