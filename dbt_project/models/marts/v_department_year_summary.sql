{{ config(materialized='view') }}

-- One row per department × fiscal year for BI tools: totals from the fact tables, per
-- disclosure (a disclosure split into a narrative file and a tables file counts once). A
-- disclosure without expenditure tables (narrative-only) takes the totals its narrative states.

with

documents as (
    select
        document_id,
        disclosure_id,
        department_name,
        fiscal_year
    from {{ ref('dim_document') }}
    where status = 'loaded'
),

-- Department and year of a disclosure: those of its narrative file (or its only file).
disclosures as (
    select
        disclosure_id,
        department_name,
        fiscal_year,
    from documents
    where document_id = disclosure_id
),

files as (
    select
        disclosure_id,
        count(*) as file_count
    from documents
    group by all
),

expenditure as (
    select
        documents.disclosure_id,
        sum(facts.amount_yuan) as total_expenditure_yuan,
        sum(facts.amount_yuan) filter (where facts.expenditure_type = 'basic') as basic_expenditure_yuan,
        sum(facts.amount_yuan) filter (where facts.expenditure_type = 'project') as project_expenditure_yuan,
    from {{ ref('fct_budget_expenditure') }} as facts
    inner join documents on facts.document_id = documents.document_id
    group by all
),

narrative as (
    select
        documents.disclosure_id,
        max(figures.amount_yuan) filter (where figures.figure_key = 'total_expenditure') as total_expenditure_yuan,
        max(figures.amount_yuan) filter (where figures.figure_key = 'basic_expenditure') as basic_expenditure_yuan,
        max(figures.amount_yuan) filter (where figures.figure_key = 'project_expenditure') as project_expenditure_yuan,
    from {{ ref('stg_raw__narrative_figures') }} as figures
    inner join documents on figures.document_id = documents.document_id
    group by all
),

procurement as (
    select
        documents.disclosure_id,
        sum(facts.amount_yuan) as procurement_yuan
    from {{ ref('fct_procurement') }} as facts
    inner join documents on facts.document_id = documents.document_id
    group by all
),

three_public as (
    select
        documents.disclosure_id,
        sum(facts.amount_yuan) as three_public_yuan
    from {{ ref('fct_three_public_expenditure') }} as facts
    inner join documents on facts.document_id = documents.document_id
    where facts.year = facts.fiscal_year
    group by all
),

per_disclosure as (
    select
        disclosures.department_name,
        disclosures.fiscal_year,
        files.file_count,
        case
            when expenditure.disclosure_id is null and narrative.total_expenditure_yuan is not null
                then 'narrative'
            when expenditure.disclosure_id is not null then 'table'
        end as expenditure_source,
        case
            when expenditure.disclosure_id is null then narrative.total_expenditure_yuan
            else expenditure.total_expenditure_yuan
        end as total_expenditure_yuan,
        case
            when expenditure.disclosure_id is null then narrative.basic_expenditure_yuan
            else expenditure.basic_expenditure_yuan
        end as basic_expenditure_yuan,
        case
            when expenditure.disclosure_id is null then narrative.project_expenditure_yuan
            else expenditure.project_expenditure_yuan
        end as project_expenditure_yuan,
        procurement.procurement_yuan,
        three_public.three_public_yuan,
    from disclosures
    inner join files on disclosures.disclosure_id = files.disclosure_id
    left join expenditure on disclosures.disclosure_id = expenditure.disclosure_id
    left join narrative on disclosures.disclosure_id = narrative.disclosure_id
    left join procurement on disclosures.disclosure_id = procurement.disclosure_id
    left join three_public on disclosures.disclosure_id = three_public.disclosure_id
),

final as (
    select
        department_name,
        fiscal_year,
        count(*) as documents,
        sum(total_expenditure_yuan) as total_expenditure_yuan,
        sum(basic_expenditure_yuan) as basic_expenditure_yuan,
        sum(project_expenditure_yuan) as project_expenditure_yuan,
        sum(procurement_yuan) as procurement_yuan,
        sum(three_public_yuan) as three_public_yuan,
        sum(file_count) as files,
        string_agg(distinct expenditure_source, ',' order by expenditure_source) as expenditure_source,
    from per_disclosure
    group by all
)

select * from final
