-- Budget against outturn per department × fiscal year × line (each function class 类 of
-- general-public-budget expenditure, each 三公 category): the outturn from the final accounts
-- (a class as printed, 三公 from the facts), the budget the final accounts print
-- (int_final_accounts_printed_budget) and, where the year's budget document is loaded, that
-- document's facts. One final-accounts and one budget
-- document per department-year (a department disclosure before a unit's, then the lowest id).

with

documents as (
    select
        documents.document_id,
        documents.fiscal_year,
        documents.phase,
        departments.department_id,
    from {{ ref('stg_raw__documents') }} as documents
    inner join {{ ref('int_document_departments') }} as departments
        on documents.document_id = departments.document_id
    inner join {{ ref('int_disclosures') }} as disclosures
        on documents.document_id = disclosures.document_id
    where
        documents.status = 'loaded'
        and documents.fiscal_year is not null
        and disclosures.disclosure_part <> 'narrative'
    qualify row_number() over (
        partition by departments.department_id, documents.fiscal_year, documents.phase
        order by documents.scope = 'unit', documents.document_id
    ) = 1
),

-- A final-accounts class as its 类 row prints it (the first column that is not 基本/项目支出);
-- else, and in budget documents, the sum of the class's facts.
printed_classes as (
    select
        document_id,
        'function_class' as line_kind,
        row_code as line_code,
        amount_yuan,
        source_page,
    from {{ ref('int_final_accounts_figures') }}
    where
        table_type = 'general_budget_function'
        and measure = 'final'
        and regexp_matches(coalesce(row_code, ''), '^[0-9]{3}$')
        and not regexp_matches(column_path, '基本支出|项目支出')
    qualify row_number() over (partition by document_id, row_code order by table_id, column_index) = 1
),

class_facts as (
    select
        document_id,
        'function_class' as line_kind,
        left(function_code, 3) as line_code,
        sum(amount_yuan) as amount_yuan,
        min(source_page) as source_page,
    from {{ ref('int_budget_expenditure_facts') }}
    group by all
),

class_amounts as (
    select * from printed_classes
    union all
    select class_facts.*
    from class_facts
    anti join printed_classes
        on class_facts.document_id = printed_classes.document_id and class_facts.line_code = printed_classes.line_code
),

three_public_amounts as (
    select
        document_id,
        'three_public' as line_kind,
        category as line_code,
        sum(amount_yuan) as amount_yuan,
        min(source_page) as source_page,
    from {{ ref('int_three_public_expenditure_facts') }}
    where year = fiscal_year
    group by all
),

amounts as (
    select * from class_amounts
    union all
    select * from three_public_amounts
),

document_amounts as (
    select
        documents.department_id,
        documents.fiscal_year,
        documents.phase,
        documents.document_id,
        amounts.line_kind,
        amounts.line_code,
        amounts.amount_yuan,
        amounts.source_page,
    from documents
    inner join amounts on documents.document_id = amounts.document_id
),

finals as (
    select * from document_amounts
    where phase = 'final'
),

budgets as (
    select * from document_amounts
    where phase = 'budget'
),

printed as (
    select * from {{ ref('int_final_accounts_printed_budget') }}
),

final_documents as (
    select * from documents
    where phase = 'final'
),

-- Every line either side prints for a department-year with final accounts.
lines as (
    select
        department_id,
        fiscal_year,
        line_kind,
        line_code,
    from finals
    union
    select
        final_documents.department_id,
        final_documents.fiscal_year,
        printed.line_kind,
        printed.line_code,
    from printed
    inner join final_documents on printed.document_id = final_documents.document_id
    union
    select
        budgets.department_id,
        budgets.fiscal_year,
        budgets.line_kind,
        budgets.line_code,
    from budgets
    inner join final_documents
        on budgets.department_id = final_documents.department_id and budgets.fiscal_year = final_documents.fiscal_year
),

final as (
    select
        lines.department_id,
        lines.fiscal_year,
        lines.line_kind,
        lines.line_code,
        final_documents.document_id as final_document_id,
        coalesce(finals.amount_yuan, 0) as final_yuan,
        finals.source_page as final_source_page,
        printed.budget_yuan as printed_budget_yuan,
        printed.budget_source as printed_budget_source,
        printed.source_page as printed_budget_page,
        budgets.document_id as budget_document_id,
        budgets.amount_yuan as budget_document_yuan,
        budgets.source_page as budget_document_page,
    from lines
    inner join final_documents
        on lines.department_id = final_documents.department_id and lines.fiscal_year = final_documents.fiscal_year
    left join finals
        on
            lines.department_id = finals.department_id
            and lines.fiscal_year = finals.fiscal_year
            and lines.line_kind = finals.line_kind
            and lines.line_code = finals.line_code
    left join printed
        on
            final_documents.document_id = printed.document_id
            and lines.line_kind = printed.line_kind
            and lines.line_code = printed.line_code
    left join budgets
        on
            lines.department_id = budgets.department_id
            and lines.fiscal_year = budgets.fiscal_year
            and lines.line_kind = budgets.line_kind
            and lines.line_code = budgets.line_code
)

select * from final
