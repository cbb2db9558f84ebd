{{ incremental_by_document() }}

-- Rule family (d): the figures stated in the narrative chapters (文字部分) equal the tables —
-- department income and expenditure totals, the procurement total and its goods / works /
-- services split, the 三公 total and its four items (budget year).
-- One row per narrative figure that has a table counterpart. Where the narrative's wording
-- allows two readings (本年合计 or 总计) the closer one is compared and named in `detail`.
-- error_class extraction_suspect where the sentence read also prints the table's figure (in 万元):
-- the page agrees with the table, we took another number of the sentence.

with

figures_stated as (
    select * from {{ rows_to_rebuild(ref('stg_raw__narrative_figures')) }}
),

documents as (
    select
        document_id,
        source_file,
        fiscal_year,
        department_name
    from {{ rows_to_rebuild(ref('stg_raw__documents')) }}
    where status = 'loaded'
),

figures as (
    select * from {{ rows_to_rebuild(ref('int_reconciliation__document_figures')) }}
),

-- The amount column of each procurement table (its first).
procurement_cells as (
    select
        document_id,
        table_id,
        column_index,
        row_code,
        row_display,
        column_path,
        amount_yuan,
        source_page,
        rounding_yuan,
    from {{ rows_to_rebuild(ref('int_reconciliation__cells')) }}
    where table_type = 'procurement'
    qualify column_index = min(column_index) over (partition by document_id, table_id)
),

tables as (
    select
        document_id,
        table_id,
        table_title,
        printed_number
    from {{ rows_to_rebuild(ref('stg_raw__tables')) }}
),

-- A narrative-only file is read against the tables of its paired tables-only file (one
-- disclosure in two files); every other document against its own tables.
narrative as (
    select
        figures_stated.*,
        documents.source_file,
        documents.fiscal_year,
        documents.department_name,
        coalesce(disclosures.paired_document_id, figures_stated.document_id) as tables_document_id,
    from figures_stated
    inner join documents on figures_stated.document_id = documents.document_id
    left join {{ ref('int_disclosures') }} as disclosures
        on
            figures_stated.document_id = disclosures.document_id
            and disclosures.disclosure_part = 'narrative'
),

-- A/B/C subtotal rows of the procurement table, summed over units.
procurement_types as (
    select
        document_id,
        table_id,
        case left(row_code, 1) when 'A' then 'goods' when 'B' then 'works' else 'services' end
            as procurement_type,
        sum(coalesce(amount_yuan, 0)) as amount_yuan,
        count(*) as items_summed,
        min(source_page) as source_page,
        max(rounding_yuan) as rounding_yuan,
        string_agg(distinct row_display, ' + ' order by row_display) as row_label,
        any_value(column_path) as column_label,
    from procurement_cells
    where row_code in ('A', 'B', 'C')
    group by all
),

table_side as (
    select
        document_id,
        table_id,
        measure,
        amount_yuan,
        items_summed,
        source_page,
        rounding_yuan,
        row_label,
        column_label,
        table_type,
    from figures

    union all

    select
        document_id,
        table_id,
        'procurement_' || procurement_type as measure,
        amount_yuan,
        items_summed,
        source_page,
        rounding_yuan,
        row_label,
        column_label,
        'procurement' as table_type,
    from procurement_types
),

-- Which table figures a narrative figure may be read against.
readings as (
    select
        readings.figure_key,
        readings.table_type,
        readings.measure,
    from (
        values
        ('total_expenditure', 'income_expenditure_summary', 'expenditure_total'),
        ('total_expenditure', 'income_expenditure_summary', 'expenditure_current'),
        ('total_income', 'income_expenditure_summary', 'income_total'),
        ('total_income', 'income_expenditure_summary', 'income_current'),
        ('procurement_total', 'procurement', 'total'),
        ('procurement_total', 'expenditure_summary', 'procurement'),
        ('procurement_goods', 'procurement', 'procurement_goods'),
        ('procurement_works', 'procurement', 'procurement_works'),
        ('procurement_services', 'procurement', 'procurement_services'),
        ('three_public_total', 'three_public', 'total'),
        ('three_public_outbound_travel', 'three_public', 'three_public_outbound_travel'),
        ('three_public_official_reception', 'three_public', 'three_public_official_reception'),
        ('three_public_vehicle_purchase', 'three_public', 'three_public_vehicle_purchase'),
        ('three_public_vehicle_operation', 'three_public', 'three_public_vehicle_operation')
    ) as readings (figure_key, table_type, measure)
),

candidates as (
    select
        narrative.*,
        table_side.table_id,
        table_side.table_type,
        table_side.measure,
        table_side.amount_yuan as expected_yuan,
        table_side.items_summed,
        table_side.source_page as table_page,
        table_side.row_label as table_row_label,
        table_side.column_label as table_column_label,
        greatest(table_side.rounding_yuan, 100) as rounding_yuan,
    from narrative
    inner join readings on narrative.figure_key = readings.figure_key
    inner join table_side
        on
            narrative.tables_document_id = table_side.document_id
            and readings.table_type = table_side.table_type
            and readings.measure = table_side.measure
),

closest as (
    select
        *,
        amount_yuan - expected_yuan as difference_yuan,
        count(*) over (partition by document_id, figure_key) as readings,
    from candidates
    qualify row_number() over (
        partition by document_id, figure_key order by abs(amount_yuan - expected_yuan), table_id, measure
    ) = 1
),

final as (
    select
        'narrative_' || closest.figure_key || '_matches_table' as rule,
        'narrative' as rule_family,
        closest.document_id,
        closest.source_file,
        closest.fiscal_year,
        closest.department_name,
        closest.table_id,
        closest.table_type,
        tables.table_title,
        tables.printed_number,
        closest.source_page,
        cast(null as varchar) as unit_name,
        cast(null as integer) as row_index,
        closest.figure_key as row_label,
        'narrative p.' || closest.source_page as column_label,
        closest.expected_yuan,
        closest.amount_yuan as observed_yuan,
        closest.difference_yuan,
        1 as items_summed,
        closest.rounding_yuan as tolerance_yuan,
        {{ reconciliation_outcome('closest.difference_yuan', 'closest.rounding_yuan', 'closest.expected_yuan') }},
        -- the sentence we read prints the table's figure too: we took the wrong number of it
        -- (a whole number: '0万元' is no reading of '20万元'; a zero table figure is never "also printed")
        case
            when regexp_matches(
                replace(closest.context, ',', ''),
                '(^|[^0-9.])' || regexp_replace(
                    regexp_replace(
                        regexp_replace(
                            cast(cast(closest.expected_yuan / 10000 as decimal(20, 2)) as varchar), '0+$', ''
                        ),
                        '\.$',
                        ''
                    ),
                    '\.',
                    '\\.'
                ) || '万元'
            ) and closest.difference_yuan <> 0 and closest.expected_yuan <> 0 then 'extraction_suspect'
        end as error_class,
        'narrative p.' || closest.source_page || ' "' || left(closest.context, 60) || '" vs '
        || coalesce(tables.printed_number, tables.table_title) || ' p.' || closest.table_page || ' '
        || closest.table_row_label || ' / ' || closest.table_column_label
        || case
            when closest.tables_document_id <> closest.document_id
                then ' of the paired tables file ' || table_documents.source_file
            else ''
        end
        || case when closest.readings > 1 then ' (closest of ' || closest.readings || ' readings)' else '' end
            as detail,
    from closest
    left join tables
        on closest.tables_document_id = tables.document_id and closest.table_id = tables.table_id
    left join documents as table_documents on closest.tables_document_id = table_documents.document_id
)

select * from final
{{ only_documents_to_rebuild() }}
