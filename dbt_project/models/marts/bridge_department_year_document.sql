-- Which documents stand behind a department-year (部门年度—文档): one row per row of
-- fct_department_year × loaded document of that department, year and phase, with the figures
-- taken from it (none: a copy or a second file whose figures another document supplied).
-- A plain bridge instead of a LIST column, so BI tools join fct_department_year to dim_document.

with

department_years as (
    select * from {{ ref('fct_department_year') }}
),

documents as (
    select
        document_id,
        department_id,
        fiscal_year,
        phase,
    from {{ ref('dim_document') }}
    where status = 'loaded'
),

figure_documents as (
    {% for figure in department_year_figures() %}
        select
            department_year_id,
            '{{ figure }}' as figure,
            {{ figure }}_document_id as document_id,
        from department_years
        where {{ figure }}_document_id is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

figures_by_document as (
    select
        department_year_id,
        document_id,
        string_agg(figure, ', ' order by figure) as figures,
    from figure_documents
    group by all
),

final as (
    select
        department_years.department_year_id,
        documents.document_id,
        figures_by_document.figures is not null as is_figure_source,
        figures_by_document.figures,
    from department_years
    inner join documents
        on
            department_years.department_id = documents.department_id
            and department_years.fiscal_year = documents.fiscal_year
            and department_years.phase = documents.phase
    left join figures_by_document
        on
            department_years.department_year_id = figures_by_document.department_year_id
            and documents.document_id = figures_by_document.document_id
)

select * from final
