-- Administrative divisions (行政区划) by GB/T 2260 code, from the seed gbt2260_regions, with the
-- city (地级市 or 直辖市) each division lies in.

with

regions as (
    select * from {{ ref('gbt2260_regions') }}
),

-- A prefecture's code is its first 4 digits + 00, a province's its first 2 + 0000.
cities as (
    select
        region_code as city_code,
        region_name as city,
    from regions
    where division_type in ('地级市', '直辖市')
),

final as (
    select
        regions.region_code,
        regions.region_name,
        nullif(regions.province_name, '') as province_name,
        nullif(regions.prefecture_name, '') as prefecture_name,
        nullif(regions.county_name, '') as county_name,
        regions.level,
        regions.division_type,
        nullif(regions.parent_code, '') as parent_code,
        coalesce(prefecture_cities.city_code, municipality_cities.city_code) as city_code,
        coalesce(prefecture_cities.city, municipality_cities.city) as city,
    from regions
    left join cities as prefecture_cities
        on
            regions.level in ('prefecture', 'county')
            and left(regions.region_code, 4) || '00' = prefecture_cities.city_code
    left join cities as municipality_cities
        on
            regions.level <> 'central'
            and left(regions.region_code, 2) || '0000' = municipality_cities.city_code
)

select * from final
