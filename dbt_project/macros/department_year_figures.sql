{% macro department_year_figures() -%}
    {#- The headline figures of fct_department_year: each gives <figure>_yuan, _source and
        _document_id (the document it was taken from). -#}
    {{- return([
        'total_expenditure', 'general_budget_expenditure', 'basic_expenditure', 'project_expenditure',
        'procurement', 'three_public', 'prior_year_three_public',
        'general_budget_basic_expenditure', 'general_budget_project_expenditure',
        'all_funds_basic_expenditure', 'all_funds_project_expenditure',
        'three_public_printed_total', 'three_public_lines',
    ]) -}}
{%- endmacro %}
