-- One row per department × fiscal year × phase (部门年度): the headline figures, each from one
-- document and with its source (table / narrative), so a department-year is counted once even
-- when its disclosure is split over several files (a tables-only attachment and a narrative-only
-- disclosure) or also published as a unit disclosure, and a budget is never added to a final.
-- Per figure the document is chosen in this order: department disclosure before unit
-- disclosure, table before narrative, the document printing more figures, document id.

with

documents as (
    select
        document_id,
        disclosure_id,
        department_id,
        fiscal_year,
        phase,
        scope,
    from {{ ref('dim_document') }}
    where status = 'loaded' and department_id is not null and fiscal_year is not null and phase is not null
),

reconciliation as (
    select
        document_id,
        evaluations,
        reconciliation_status,
        error_class,
    from {{ ref('document_reconciliation') }}
),

narrative as (
    select
        document_id,
        figure_key,
        amount_yuan
    from {{ ref('stg_raw__narrative_figures') }}
    where amount_yuan is not null
),

-- 本年支出合计 of the income-expenditure summary (收支总表), else its 支出总计.
summary_totals as (
    select
        document_id,
        arg_min(amount_yuan, (measure <> 'expenditure_current', table_id)) as amount_yuan,
    from {{ ref('int_reconciliation__table_figures') }}
    where
        table_type = 'income_expenditure_summary'
        and measure in ('expenditure_current', 'expenditure_total')
        and printed_cells > 0
    group by all
),

-- 基本支出 / 项目支出 of the expenditure summary (支出总表): all funds, not only the general budget.
all_funds_split as (
    select
        document_id,
        arg_min(amount_yuan, table_id) filter (where measure = 'basic') as basic_yuan,
        arg_min(amount_yuan, table_id) filter (where measure = 'project') as project_yuan,
    from {{ ref('int_reconciliation__table_figures') }}
    where table_type = 'expenditure_summary' and measure in ('basic', 'project') and printed_cells > 0
    group by all
),

-- The 三公 total a 三公 table prints (合计) for the budget year.
three_public_printed as (
    select
        document_id,
        arg_min(amount_yuan, table_id) as amount_yuan,
    from {{ ref('int_reconciliation__table_figures') }}
    where table_type = 'three_public' and measure = 'total' and printed_cells > 0
    group by all
),

budget_expenditure as (
    select
        document_id,
        sum(amount_yuan) as general_budget_yuan,
        coalesce(sum(amount_yuan) filter (where expenditure_type = 'basic'), 0) as basic_yuan,
        coalesce(sum(amount_yuan) filter (where expenditure_type = 'project'), 0) as project_yuan,
    from {{ ref('fct_budget_expenditure') }}
    group by all
),

procurement as (
    select
        document_id,
        sum(amount_yuan) as amount_yuan,
        case when bool_and(source = 'narrative') then 'narrative' else 'table' end as source,
    from {{ ref('fct_procurement') }}
    group by all
),

three_public as (
    select
        facts.document_id,
        facts.year - documents.fiscal_year as year_offset,
        facts.source,
        sum(facts.amount_yuan) as amount_yuan,
    from {{ ref('fct_three_public_expenditure') }} as facts
    inner join documents on facts.document_id = documents.document_id
    where
        facts.year in (documents.fiscal_year, documents.fiscal_year - 1)
        -- the total a narrative states stands for it, not the sum of the items it states
        and not (
            facts.source = 'narrative'
            and facts.year = documents.fiscal_year
            and facts.document_id in (
                select document_id from narrative
                where figure_key = 'three_public_total'
            )
        )
    group by all
),

-- The 三公 lines of the budget year as facts, whatever total a narrative states beside them.
three_public_lines as (
    select
        facts.document_id,
        case when bool_and(facts.source = 'narrative') then 'narrative' else 'table' end as source,
        sum(facts.amount_yuan) as amount_yuan,
    from {{ ref('fct_three_public_expenditure') }} as facts
    inner join documents on facts.document_id = documents.document_id
    where facts.year = documents.fiscal_year
    group by all
),

-- Every figure of every document, one row each.
figures as (
    select
        document_id,
        'total_expenditure' as figure,
        amount_yuan,
        'table' as source
    from summary_totals
    union all
    select
        document_id,
        'total_expenditure' as figure,
        amount_yuan,
        'narrative' as source
    from narrative
    where figure_key = 'total_expenditure'
    union all
    select
        document_id,
        'general_budget_expenditure' as figure,
        general_budget_yuan as amount_yuan,
        'table' as source
    from budget_expenditure
    union all
    select
        document_id,
        'basic_expenditure' as figure,
        basic_yuan as amount_yuan,
        'table' as source
    from budget_expenditure
    union all
    select
        document_id,
        'project_expenditure' as figure,
        project_yuan as amount_yuan,
        'table' as source
    from budget_expenditure
    union all
    select
        document_id,
        figure_key as figure,
        amount_yuan,
        'narrative' as source
    from narrative
    where figure_key in ('basic_expenditure', 'project_expenditure')
    union all
    select
        document_id,
        'procurement' as figure,
        amount_yuan,
        source
    from procurement
    union all
    select
        document_id,
        'three_public' as figure,
        amount_yuan,
        source
    from three_public
    where year_offset = 0
    union all
    select
        document_id,
        'three_public' as figure,
        amount_yuan,
        'narrative' as source
    from narrative
    where figure_key = 'three_public_total'
    union all
    select
        document_id,
        'prior_year_three_public' as figure,
        amount_yuan,
        source
    from three_public
    where year_offset = -1
    union all
    -- the narrative's prior-year total (this year's less the change it states) where no table prints it
    select
        document_id,
        'prior_year_three_public' as figure,
        amount_yuan,
        'narrative' as source
    from narrative
    where figure_key = 'three_public_prior_total'
    union all
    select
        document_id,
        'general_budget_basic_expenditure' as figure,
        basic_yuan as amount_yuan,
        'table' as source
    from budget_expenditure
    union all
    select
        document_id,
        'general_budget_project_expenditure' as figure,
        project_yuan as amount_yuan,
        'table' as source
    from budget_expenditure
    union all
    select
        document_id,
        'all_funds_basic_expenditure' as figure,
        basic_yuan as amount_yuan,
        'table' as source
    from all_funds_split
    where basic_yuan is not null
    union all
    select
        document_id,
        'all_funds_project_expenditure' as figure,
        project_yuan as amount_yuan,
        'table' as source
    from all_funds_split
    where project_yuan is not null
    union all
    -- the narrative's 基本支出 / 项目支出 split its 支出预算 of all funds
    select
        document_id,
        'all_funds_' || figure_key as figure,
        amount_yuan,
        'narrative' as source
    from narrative
    where figure_key in ('basic_expenditure', 'project_expenditure')
    union all
    select
        document_id,
        'three_public_printed_total' as figure,
        amount_yuan,
        'table' as source
    from three_public_printed
    union all
    select
        document_id,
        'three_public_printed_total' as figure,
        amount_yuan,
        'narrative' as source
    from narrative
    where figure_key = 'three_public_total'
    union all
    select
        document_id,
        'three_public_lines' as figure,
        amount_yuan,
        source
    from three_public_lines
),

documents_ranked as (
    select
        documents.*,
        count(figures.figure) filter (where figures.source = 'table') as table_figures,
    from documents
    left join figures on documents.document_id = figures.document_id
    group by all
),

chosen as (
    select
        documents_ranked.department_id,
        documents_ranked.fiscal_year,
        documents_ranked.phase,
        documents_ranked.scope,
        figures.*,
    from figures
    inner join documents_ranked on figures.document_id = documents_ranked.document_id
    qualify row_number() over (
        partition by
            documents_ranked.department_id, documents_ranked.fiscal_year, documents_ranked.phase, figures.figure
        order by
            documents_ranked.scope = 'department' desc,
            figures.source = 'table' desc,
            documents_ranked.table_figures desc,
            figures.document_id asc
    ) = 1
),

department_years as (
    select
        documents.department_id,
        documents.fiscal_year,
        documents.phase,
        count(distinct documents.disclosure_id) as disclosures,
        count(*) as files,
        case when bool_or(documents.scope = 'department') then 'department' else 'unit' end as scope,
        {{ worst_reconciliation_status('reconciliation.reconciliation_status') }} as reconciliation_status,
        {{ worst_error_class('reconciliation.error_class') }} as error_class,
    from documents
    left join reconciliation on documents.document_id = reconciliation.document_id
    group by all
),

pivoted as (
    select
        chosen.department_id,
        chosen.fiscal_year,
        chosen.phase,
        {% for figure in department_year_figures() %}
            cast(any_value(chosen.amount_yuan) filter (where chosen.figure = '{{ figure }}') as decimal(20, 2))
                as {{ figure }}_yuan,
            any_value(chosen.source) filter (where chosen.figure = '{{ figure }}') as {{ figure }}_source,
            any_value(chosen.document_id) filter (where chosen.figure = '{{ figure }}') as {{ figure }}_document_id,
        {% endfor %}
        case when bool_or(chosen.scope = 'department') then 'department' else 'unit' end as scope,
        {{ worst_reconciliation_status('reconciliation.reconciliation_status') }} as reconciliation_status,
        {{ worst_error_class('reconciliation.error_class') }} as error_class,
    from chosen
    left join reconciliation on chosen.document_id = reconciliation.document_id
    group by all
),

used_documents as (
    select distinct
        department_id,
        fiscal_year,
        phase,
        document_id,
    from chosen
),

-- Rule evaluations behind the status (0: nothing could be checked, e.g. a narrative-only file).
evaluations as (
    select
        used.department_id,
        used.fiscal_year,
        used.phase,
        cast(sum(reconciliation.evaluations) as bigint) as evaluations,
    from used_documents as used
    inner join reconciliation on used.document_id = reconciliation.document_id
    group by all
),

-- Required tables (fct_disclosure_tables) per department-year: a role is printed when a document
-- of it prints it (printed or printed_empty), not_recognised when one prints its title only.
required_tables as (
    select
        departments.department_id,
        tables.fiscal_year,
        tables.phase,
        tables.table_role,
        min(tables.required_table_name) as required_table_name,
        min(tables.template_number) as template_number,
        case
            when bool_or(tables.status in ('printed', 'printed_empty')) then 'printed'
            when bool_or(tables.status = 'not_recognised') then 'not_recognised'
            when bool_or(tables.status = 'missing') then 'missing'
        end as role_status,
    from {{ ref('fct_disclosure_tables') }} as tables
    inner join {{ ref('int_document_departments') }} as departments
        on tables.document_id = departments.document_id
    group by all
),

completeness as (
    select
        department_id,
        fiscal_year,
        phase,
        count(*) filter (where role_status = 'missing') as required_tables_missing,
        string_agg(required_table_name, '、' order by template_number) filter (where role_status = 'missing')
            as missing_required_tables,
        count(*) filter (where role_status = 'not_recognised') as required_tables_not_recognised,
    from required_tables
    group by all
),

final as (
    select
        md5(concat_ws('|', department_years.department_id, department_years.fiscal_year, department_years.phase))
            as department_year_id,
        department_years.department_id,
        department_years.fiscal_year,
        department_years.phase,
        pivoted.* exclude (department_id, fiscal_year, phase, scope, reconciliation_status, error_class),
        pivoted.three_public_yuan - pivoted.prior_year_three_public_yuan as three_public_change_yuan,
        pivoted.total_expenditure_yuan as all_funds_expenditure_yuan,
        pivoted.total_expenditure_source as all_funds_expenditure_source,
        case pivoted.basic_expenditure_source
            when 'table' then 'general_budget'
            when 'narrative' then 'all_funds'
        end as basic_project_base,
        previous.total_expenditure_yuan as previous_year_all_funds_expenditure_yuan,
        previous.general_budget_expenditure_yuan as previous_year_general_budget_expenditure_yuan,
        previous.three_public_yuan as previous_year_three_public_yuan,
        coalesce(pivoted.scope, department_years.scope) as scope,
        department_years.disclosures,
        department_years.files,
        coalesce(pivoted.reconciliation_status, department_years.reconciliation_status) as reconciliation_status,
        case
            when pivoted.department_id is not null then pivoted.error_class else department_years.error_class
        end as error_class,
        coalesce(evaluations.evaluations, 0) as reconciliation_evaluations,
        completeness.required_tables_missing,
        completeness.missing_required_tables,
        completeness.required_tables_not_recognised,
    from department_years
    left join pivoted
        on
            department_years.department_id = pivoted.department_id
            and department_years.fiscal_year = pivoted.fiscal_year
            and department_years.phase = pivoted.phase
    -- the department's row of the year before, same phase, where loaded
    left join pivoted as previous
        on
            department_years.department_id = previous.department_id
            and department_years.fiscal_year - 1 = previous.fiscal_year
            and department_years.phase = previous.phase
    left join evaluations
        on
            department_years.department_id = evaluations.department_id
            and department_years.fiscal_year = evaluations.fiscal_year
            and department_years.phase = evaluations.phase
    left join completeness
        on
            department_years.department_id = completeness.department_id
            and department_years.fiscal_year = completeness.fiscal_year
            and department_years.phase = completeness.phase
)

select * from final
