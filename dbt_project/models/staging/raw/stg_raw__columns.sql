with

source as (
    select * from {{ source('raw', 'columns') }}
),

final as (
    select
        document_id,
        table_id,
        column_index,
        column_path,
        header_labels,
        header_labels[-1] as column_label,
        role as column_role,
        regexp_matches(column_path, '增减|变化|变动|%|比上年|比较') as is_derived_column,
        regexp_matches(column_path, '执行数|决算数|上年|扣除') as is_other_measure_column,
        try_cast(regexp_extract(column_path, '((?:19|20)[0-9]{2})年', 1) as integer) as column_year,
    from source
)

select * from final
