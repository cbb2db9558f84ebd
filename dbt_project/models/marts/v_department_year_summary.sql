{{ config(materialized='view') }}

-- One row per department × fiscal year for BI tools: totals from the fact tables.

with

documents as (
    select
        document_id,
        department_name,
        fiscal_year
    from {{ ref('dim_document') }}
    where status = 'loaded'
),

expenditure as (
    select
        document_id,
        sum(amount_yuan) as total_expenditure_yuan,
        sum(amount_yuan) filter (where expenditure_type = 'basic') as basic_expenditure_yuan,
        sum(amount_yuan) filter (where expenditure_type = 'project') as project_expenditure_yuan,
    from {{ ref('fct_budget_expenditure') }}
    group by all
),

procurement as (
    select
        document_id,
        sum(amount_yuan) as procurement_yuan
    from {{ ref('fct_procurement') }}
    group by all
),

three_public as (
    select
        document_id,
        sum(amount_yuan) as three_public_yuan
    from {{ ref('fct_three_public_expenditure') }}
    where year = fiscal_year
    group by all
),

final as (
    select
        documents.department_name,
        documents.fiscal_year,
        count(*) as documents,
        sum(expenditure.total_expenditure_yuan) as total_expenditure_yuan,
        sum(expenditure.basic_expenditure_yuan) as basic_expenditure_yuan,
        sum(expenditure.project_expenditure_yuan) as project_expenditure_yuan,
        sum(procurement.procurement_yuan) as procurement_yuan,
        sum(three_public.three_public_yuan) as three_public_yuan,
    from documents
    left join expenditure on documents.document_id = expenditure.document_id
    left join procurement on documents.document_id = procurement.document_id
    left join three_public on documents.document_id = three_public.document_id
    group by all
)

select * from final
