{{ incremental_by_document() }}

-- Which department (部门) each loaded document belongs to, and where it is.
-- The department key is the printed name without a unit suffix ((本级), (汇总)) and with
-- 中国共产党X委员会 shortened to 中共X委, so one department keeps one key across years, phases
-- and both spellings. The region is read from the name: the leftmost province or prefecture
-- it names (full name anywhere, short name such as 上海/福州 at the start), narrowed to the
-- deepest division below it that the name also names (上海市普陀区 → 310107). Names starting
-- like a central body (国家, 国务院, 中共中央, …) are central; a name without a region (司法局)
-- takes the one its document's unit names, table titles and narrative name most often, else a
-- ministry-like name (教育部, 审计署, 海关总署) is central.

with

names as (
    select
        document_id,
        department_name,
        {{ strip_unit_suffix('department_name') }} as name_without_unit,
    from {{ rows_to_rebuild(ref('stg_raw__documents')) }}
    where status = 'loaded' and department_name is not null
),

documents as (
    select
        *,
        regexp_replace(name_without_unit, '^中国共产党(.+?)委员会', '中共\1委') as department_key,
    from names
),

department_keys as (
    select distinct department_key from documents
),

regions as (
    select * from {{ ref('dim_region') }}
    where level <> 'central'
),

-- Full names, and short names of provinces and prefectures (上海市 → 上海, 广西壮族自治区 → 广西).
region_names as (
    select
        region_code,
        level,
        region_name as match_name,
        true as is_full_name,
        count(*) over (partition by region_name) as name_count,
    from regions

    union all

    select
        region_code,
        level,
        regexp_replace(region_name, '(省|市|地区|盟|特别行政区|(壮族|回族|维吾尔)?自治区)$', '') as match_name,
        false as is_full_name,
        1 as name_count,
    from regions
    where
        level in ('province', 'prefecture')
        and length(regexp_replace(region_name, '(省|市|地区|盟|特别行政区|(壮族|回族|维吾尔)?自治区)$', '')) >= 2
        and regexp_matches(region_name, '(省|市|地区|盟|特别行政区|自治区)$')
),

matches as (
    select
        department_keys.department_key,
        region_names.region_code,
        region_names.level,
        region_names.match_name,
        region_names.name_count,
        strpos(department_keys.department_key, region_names.match_name) as position,
    from department_keys
    inner join region_names on contains(department_keys.department_key, region_names.match_name)
    where region_names.is_full_name or starts_with(department_keys.department_key, region_names.match_name)
),

anchors as (
    select *
    from matches
    where level in ('province', 'prefecture')
    qualify row_number() over (
        partition by department_key order by position asc, length(match_name) desc, region_code
    ) = 1
),

-- The deepest division below the anchor that the name also names, after it.
narrowed as (
    select
        anchors.department_key,
        coalesce(below.region_code, anchors.region_code) as region_code,
        coalesce(below.match_name, anchors.match_name) as region_text,
        coalesce(below.position, anchors.position) as region_position,
    from anchors
    left join matches as below
        on
            anchors.department_key = below.department_key
            and anchors.position < below.position
            and starts_with(
                below.region_code,
                left(anchors.region_code, case anchors.level when 'province' then 2 else 4 end)
            )
            and anchors.region_code <> below.region_code
            and not (below.level = 'prefecture' and anchors.level = 'prefecture')
    qualify row_number() over (
        partition by anchors.department_key
        order by
            case below.level when 'county' then 0 when 'prefecture' then 1 else 2 end,
            below.position
    ) = 1
),

-- A county-level name without a province or prefecture: only where the name is unique.
counties_alone as (
    select
        department_key,
        region_code,
        match_name as region_text,
        position as region_position,
    from matches
    where
        level = 'county'
        and name_count = 1
        and position = 1
        and department_key not in (select department_key from anchors)
),

located as (
    select * from narrowed
    union all
    select * from counties_alone
),

-- A name that names no region and is not a central body's (a bureau printed as 司法局): the
-- province or prefecture its unit names, table titles and narrative sentences name most often.
unlocated as (
    select documents.*
    from documents
    where
        documents.department_key not in (select located.department_key from located)
        and not regexp_matches(documents.department_key, '^(国家|国务院|中共中央|中央|中华人民共和国|全国|中国)')
),

evidence as (
    select
        unlocated.department_key,
        rows.unit_name as text,
    from unlocated
    inner join {{ ref('stg_raw__rows') }} as rows on unlocated.document_id = rows.document_id
    where rows.unit_name is not null

    union all

    select
        unlocated.department_key,
        tables.table_title as text,
    from unlocated
    inner join {{ ref('stg_raw__tables') }} as tables on unlocated.document_id = tables.document_id

    union all

    select
        unlocated.department_key,
        figures.context as text,
    from unlocated
    inner join {{ ref('stg_raw__narrative_figures') }} as figures on unlocated.document_id = figures.document_id
),

located_by_evidence as (
    select
        evidence.department_key,
        regions.region_code,
        count(*) as mentions,
    from evidence
    inner join regions on contains(evidence.text, regions.region_name)
    where regions.level in ('province', 'prefecture')
    group by evidence.department_key, regions.region_code
    qualify row_number() over (
        partition by evidence.department_key order by mentions desc, regions.region_code asc
    ) = 1
),

departments as (
    select
        department_keys.department_key,
        case
            when located.region_code is not null then located.region_code
            when regexp_matches(department_keys.department_key, '^(国家|国务院|中共中央|中央|中华人民共和国|全国|中国)')
                then '000000'
            when located_by_evidence.region_code is not null then located_by_evidence.region_code
            -- a ministry (教育部), administration (审计署) or general administration (海关总署)
            when regexp_matches(department_keys.department_key, '^[^省市县区州盟旗]{1,8}(部|署|总局)$')
                then '000000'
        end as region_code,
        case
            when located.region_code is null then department_keys.department_key
            -- a leading region is dropped; one inside the name keeps its suffix (中共深圳市委宣传部 → 中共市委宣传部)
            when starts_with(department_keys.department_key, anchors.match_name)
                then substr(department_keys.department_key, located.region_position + length(located.region_text))
            else replace(department_keys.department_key, located.region_text, right(located.region_text, 1))
        end as name_without_region,
    from department_keys
    left join located on department_keys.department_key = located.department_key
    left join anchors on department_keys.department_key = anchors.department_key
    left join located_by_evidence on department_keys.department_key = located_by_evidence.department_key
),

final as (
    select
        documents.document_id,
        documents.department_name,
        documents.name_without_unit,
        documents.department_key,
        left(md5(documents.department_key), 16) as department_id,
        departments.region_code,
        case
            -- 广州市人民政府国有资产监督管理委员会 → 国有资产监督管理委员会 (but 人民政府办公厅 stays)
            when
                regexp_matches(departments.name_without_region, '^人民政府.+')
                and not regexp_matches(departments.name_without_region, '^人民政府办公')
                then substr(departments.name_without_region, 5)
            else nullif(departments.name_without_region, '')
        end as department_short_name,
    from documents
    inner join departments on documents.department_key = departments.department_key
)

select * from final
{{ only_documents_to_rebuild() }}
