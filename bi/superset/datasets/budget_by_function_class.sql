-- Superset dataset "budget_by_function_class": general-budget expenditure lines
-- (fct_budget_expenditure) under their function class (类, the code's first 3 digits) and the city
-- of the document's department.
-- city: dim_region.city (地级市 or 直辖市), else the prefecture (地区, 自治州), else the province
-- (provincial bodies), else the region's name (中央 for central bodies).
select
    coalesce(
        region.city,
        region.prefecture_name,
        region.province_name,
        region.region_name,
        '(region unknown)'
    ) as city,
    document.fiscal_year,
    document.phase,
    document.scope,
    coalesce(
        left(expenditure.function_code, 3) || coalesce(' ' || function_class.function_name, ''),
        '(no code printed 未印科目编码)'
    ) as function_class,
    expenditure.expenditure_type,
    expenditure.amount_yuan,
    expenditure.reconciliation_status,
    document.phase = 'budget' and document.fiscal_year = (
        select max(latest.fiscal_year) from marts.dim_document as latest
        where latest.phase = 'budget' and latest.status = 'loaded'
    ) as is_latest_budget_year
from marts.fct_budget_expenditure as expenditure
inner join marts.dim_document as document
    on expenditure.document_id = document.document_id
left join marts.dim_department as department
    on document.department_id = department.department_id
left join marts.dim_region as region
    on department.region_code = region.region_code
left join marts.dim_function_classification as function_class
    on left(expenditure.function_code, 3) = function_class.function_code
