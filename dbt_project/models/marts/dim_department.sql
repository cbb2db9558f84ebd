-- One row per department identity (部门维度), kept across years and phases: its region and
-- level of government, its name without the region, and a category from the vocabulary in
-- seed department_categories (so "every city's audit bureau" is one filter).

{#- The category patterns in order of preference, read from the seed when the model runs: as
    constants each is compiled once (a pattern joined row by row is compiled for every row: 3 s of
    this model at 10⁴ departments × 30 patterns). Not before the seed exists (sqlfluff's compile). -#}
{%- set category_patterns = [] -%}
{%- if execute and load_relation(ref('department_categories')) is not none -%}
    {%- set category_patterns = run_query(
        'select department_category, name_pattern from ' ~ ref('department_categories')
        ~ ' order by priority, department_category'
    ).rows -%}
{%- endif %}

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

category_labels as (
    select * from {{ ref('department_category_labels') }}
),

units as (
    select * from {{ ref('dim_budget_unit') }}
),

named_parents as (
    select * from {{ ref('int_department_parents') }}
),

-- The name as printed in the department's latest document (a department disclosure first).
loaded_departments as (
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

-- A 主管部门 known only as a unit's parent: in the unit's region, named as the unit or crawl names it.
departments as (
    select * from loaded_departments
    union all
    select distinct on (named_parents.parent_department_id)
        named_parents.parent_department_id as department_id,
        named_parents.parent_department_name as department_name,
        named_parents.parent_region_code as region_code,
        coalesce(
            nullif(regexp_replace(named_parents.parent_department_name, '^' || regions.region_name, ''), ''),
            named_parents.parent_department_name
        ) as department_short_name,
        null as first_fiscal_year,
        null as last_fiscal_year,
        0 as documents,
    from named_parents
    left join regions on named_parents.parent_region_code = regions.region_code
    where named_parents.parent_department_id not in (select department_id from loaded_departments)
),

-- The first category (lowest priority, then key) whose pattern the name matches.
matched as (
    select
        department_id,
        {%- if category_patterns %}
            case
                {%- for category in category_patterns %}
                    when regexp_matches(
                        coalesce(department_short_name, department_name),
                        '{{ category[1] | replace("'", "''") }}'
                    ) then '{{ category[0] | replace("'", "''") }}'
                {%- endfor %}
            end
        {%- else %}
            cast(null as varchar)
        {%- endif %} as department_category,
    from departments
),

categorised as (
    select
        matched.department_id,
        categories.department_category,
        categories.category_name_zh,
    from matched
    inner join categories on matched.department_category = categories.department_category
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
        category_labels.category_name_en,
        coalesce(parents.parent_department_id, named_parents.parent_department_id) as parent_department_id,
        case
            when parents.parent_department_id is not null then 'budget_units'
            else named_parents.parent_source
        end as parent_department_source,
        departments.first_fiscal_year,
        departments.last_fiscal_year,
        departments.documents,
    from departments
    left join regions on departments.region_code = regions.region_code
    left join categorised on departments.department_id = categorised.department_id
    left join category_labels
        on coalesce(categorised.department_category, 'other') = category_labels.department_category
    left join parents on departments.department_id = parents.department_id
    left join named_parents on departments.department_id = named_parents.department_id
)

select * from final
