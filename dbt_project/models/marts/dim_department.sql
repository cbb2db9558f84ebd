-- One row per department identity (部门维度), kept across years and phases: its region and
-- level of government, its name without the region, and a category from the vocabulary in
-- seed department_categories (so "every city's audit bureau" is one filter).

with

documents as (
    select
        departments.document_id,
        departments.department_id,
        departments.department_key,
        departments.name_without_unit,
        departments.region_code,
        departments.department_short_name,
        dim_document.fiscal_year,
        dim_document.phase,
        dim_document.scope,
    from {{ ref('int_document_departments') }} as departments
    inner join {{ ref('dim_document') }} as dim_document
        on departments.document_id = dim_document.document_id
),

regions as (
    select * from {{ ref('dim_region') }}
),

categories as (
    select * from {{ ref('department_categories') }}
),

units as (
    select * from {{ ref('dim_budget_unit') }}
),

-- The name as printed in the department's latest document (a department disclosure first).
departments as (
    select
        department_id,
        arg_max(name_without_unit, (fiscal_year, scope = 'department', document_id)) as department_name,
        any_value(region_code) as region_code,
        arg_max(department_short_name, (fiscal_year, scope = 'department', document_id)) as department_short_name,
        min(fiscal_year) as first_fiscal_year,
        max(fiscal_year) as last_fiscal_year,
        count(*) as documents,
    from documents
    group by all
),

categorised as (
    select
        departments.department_id,
        categories.department_category,
        categories.category_name_zh,
    from departments
    inner join categories
        on
            regexp_matches(
                coalesce(departments.department_short_name, departments.department_name), categories.name_pattern
            )
    qualify row_number() over (
        partition by departments.department_id order by categories.priority, categories.department_category
    ) = 1
),

-- A unit disclosure hangs under the department whose tables list it as a budget unit.
parents as (
    select
        documents.department_id,
        min(units.department_id) as parent_department_id,
    from documents
    inner join units
        on
            documents.name_without_unit
            = {{ strip_unit_suffix('units.unit_name') }}
    where units.department_id <> documents.department_id
    group by all
),

final as (
    select
        departments.department_id,
        departments.department_name,
        departments.region_code,
        regions.level,
        departments.department_short_name,
        coalesce(categorised.department_category, 'other') as department_category,
        coalesce(categorised.category_name_zh, '其他') as category_name_zh,
        regions.region_name,
        regions.province_name,
        regions.prefecture_name,
        regions.county_name,
        parents.parent_department_id,
        departments.first_fiscal_year,
        departments.last_fiscal_year,
        departments.documents,
    from departments
    left join regions on departments.region_code = regions.region_code
    left join categorised on departments.department_id = categorised.department_id
    left join parents on departments.department_id = parents.department_id
)

select * from final
