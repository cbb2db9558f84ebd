{{ config(materialized='view') }}

-- One row per department × fiscal year × phase for BI tools (部门年度汇总), read from
-- fct_department_year: a budget and the final accounts of the same year are separate rows, and
-- a disclosure split over two files counts once. total_expenditure_yuan is the
-- general-public-budget expenditure (一般公共预算支出) of the tables; a disclosure without
-- expenditure tables (narrative-only) takes the total its narrative states (expenditure_source).
-- That column is kept for existing dashboards; the measures named for their base
-- (all_funds_…, general_budget_…, basic_project_base) and the department's place (city,
-- province, level, category) follow it, so one flat view answers most cross-city questions.

with

department_years as (
    select * from {{ ref('fct_department_year') }}
),

departments as (
    select
        department_id,
        department_name,
        department_short_name,
        department_category,
        category_name_en,
        region_code,
        parent_department_id,
    from {{ ref('dim_department') }}
),

regions as (
    select
        region_code,
        level,
        province_name,
        city_code,
        city,
    from {{ ref('dim_region') }}
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
        department_years.all_funds_expenditure_yuan,
        department_years.all_funds_expenditure_source,
        department_years.general_budget_expenditure_yuan,
        department_years.basic_project_base,
        department_years.three_public_printed_total_yuan,
        department_years.three_public_lines_yuan,
        department_years.prior_year_three_public_yuan,
        department_years.three_public_change_yuan,
        department_years.scope,
        departments.department_short_name,
        departments.department_category,
        departments.category_name_en,
        departments.parent_department_id,
        departments.region_code,
        regions.level,
        regions.province_name,
        regions.city_code,
        regions.city,
    from department_years
    inner join departments on department_years.department_id = departments.department_id
    left join regions on departments.region_code = regions.region_code
)

select * from final
