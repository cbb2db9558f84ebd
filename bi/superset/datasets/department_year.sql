-- Superset dataset "department_year": fct_department_year with its department's place and
-- category, one row per department × fiscal year × phase. With budget_by_function_class.sql
-- the only place the dashboard names marts columns.
-- city: dim_region.city (地级市 or 直辖市), else the prefecture (地区, 自治州), else the province
-- (provincial bodies), else the region's name (中央 for central bodies).
select
    department.department_name,
    department.department_category || ' ' || department.category_name_zh as department_category,
    department.level,
    coalesce(
        region.city,
        region.prefecture_name,
        region.province_name,
        region.region_name,
        '(region unknown)'
    ) as city,
    department_year.fiscal_year,
    department_year.phase,
    department_year.scope,
    department_year.general_budget_expenditure_yuan,
    department_year.three_public_yuan,
    department_year.reconciliation_status,
    department_year.phase = 'budget' and department_year.fiscal_year = (
        select max(latest.fiscal_year) from marts.dim_document as latest
        where latest.phase = 'budget' and latest.status = 'loaded'
    ) as is_latest_budget_year
from marts.fct_department_year as department_year
left join marts.dim_department as department
    on department_year.department_id = department.department_id
left join marts.dim_region as region
    on department.region_code = region.region_code
