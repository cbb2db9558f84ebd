-- Administrative divisions (行政区划) by GB/T 2260 code, from the seed gbt2260_regions.

with

regions as (
    select * from {{ ref('gbt2260_regions') }}
),

final as (
    select
        region_code,
        region_name,
        nullif(province_name, '') as province_name,
        nullif(prefecture_name, '') as prefecture_name,
        nullif(county_name, '') as county_name,
        level,
        division_type,
        nullif(parent_code, '') as parent_code,
    from regions
)

select * from final
