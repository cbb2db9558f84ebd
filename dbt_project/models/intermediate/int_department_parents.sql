-- The department (主管部门) a unit-disclosure department belongs to, where its own name or the
-- crawl names it — one row per such department:
-- * unit_name: the unit's name starts with a loaded department's name (上海市应急管理局执法总队
--   → 上海市应急管理局);
-- * crawl: the file the unit disclosure was published as names another department
--   (001_上海/2026年上海市统计局_部门预算.pdf for 上海市统计和大数据研究院); a name without its region
--   (公安局交通警察局_2026年部门预算.pdf) is read in the unit's region.
-- A unit listed in a loaded department's own tables is linked in dim_department (that comes first).

with

documents as (
    select
        departments.department_id,
        departments.department_key,
        departments.region_code,
        regions.region_name,
        regions.city,
        documents.scope,
        -- the file's name without folder, year, disclosure words and extension
        regexp_replace(
            regexp_replace(
                regexp_extract(coalesce(documents.source_path, documents.source_file), '([^/]+)\.pdf$', 1),
                '(19|20)[0-9]{2}年度?|部门预算|单位预算|部门决算|单位决算|预算公开|决算公开|[_\s]',
                '',
                'g'
            ),
            '\((本级|汇总)\)$',
            ''
        ) as crawl_name,
    from {{ ref('int_document_departments') }} as departments
    inner join {{ ref('stg_raw__documents') }} as documents
        on departments.document_id = documents.document_id
    left join {{ ref('dim_region') }} as regions on departments.region_code = regions.region_code
),

loaded_keys as (
    select distinct
        department_id,
        department_key,
    from documents
),

-- Departments all of whose documents are unit disclosures.
units as (
    select
        department_id,
        any_value(department_key) as department_key,
        any_value(region_code) as region_code,
        any_value(region_name) as region_name,
        any_value(city) as city,
        any_value(crawl_name) as crawl_name,
    from documents
    group by department_id
    having bool_and(scope = 'unit')
),

by_unit_name as (
    select
        units.department_id,
        loaded_keys.department_key as parent_key,
        'unit_name' as parent_source,
    from units
    inner join loaded_keys
        on
            starts_with(units.department_key, loaded_keys.department_key)
            and units.department_key <> loaded_keys.department_key
            and length(loaded_keys.department_key) >= 4
    qualify row_number() over (
        partition by units.department_id order by length(loaded_keys.department_key) desc
    ) = 1
),

by_crawl as (
    select
        department_id,
        case
            when contains(crawl_name, left(region_name, 2)) or contains(crawl_name, left(city, 2)) then crawl_name
            else region_name || crawl_name
        end as parent_key,
        'crawl' as parent_source,
    from units
    where
        crawl_name is not null
        and regexp_matches(crawl_name, '(局|委员会|委|厅|办公室|办|部|署|院|中心)$')
        and region_name is not null
),

candidates as (
    select * from by_unit_name
    union all
    select * from by_crawl
),

final as (
    select
        units.department_id,
        left(md5(candidates.parent_key), 16) as parent_department_id,
        candidates.parent_key as parent_department_name,
        units.region_code as parent_region_code,
        candidates.parent_source,
    from units
    inner join candidates on units.department_id = candidates.department_id
    where candidates.parent_key <> units.department_key
    qualify row_number() over (
        partition by units.department_id order by candidates.parent_source = 'unit_name' desc
    ) = 1
)

select * from final
