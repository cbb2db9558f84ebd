{#-
    A model's column rules in one query — 列规则（一次扫描）: key columns unique, required columns not
    null, coded columns within their vocabulary. One test per model instead of one per column and
    rule: a dbt node costs ~30 ms of compiling, artifacts and events however small its query, and
    each is also a Dagster asset check.

    Arguments (each optional):
      unique: [column, …]            each column unique where not null (dbt `unique`)
      not_null: [column, …]          each column not null (dbt `not_null`)
      accepted_values: {column: [value, …], …}
                                     each column, where not null, one of its values (dbt `accepted_values`)
      relationships: {column: {to: ref(…), field: …}, …}
                                     each column, where not null, a value of `field` in `to`
                                     (dbt `relationships`); only for a `to` upstream of the model (or
                                     the model itself), so the test waits for nothing the model did
                                     not — another `to` keeps its own `relationships` test

    A failing row is the model's row itself — `document_id` included where the model has one, so
    the key-breaker check (orchestration/warehouse/quarantine.py) rejects the documents behind it
    — led by `failing_rules`, which names each rule the row breaks (`status not accepted`,
    `document_id is null`, `budget_expenditure_id duplicated`, `document_id not in dim_document`).
-#}
{% test column_rules(model, unique=[], not_null=[], accepted_values={}, relationships={}) %}
{%- set rules = [] -%}
{%- for column in unique -%}
    {%- do rules.append(
        "case when " ~ column ~ " is not null and count(*) over (partition by " ~ column ~ ") > 1"
        ~ " then '" ~ column ~ " duplicated' end"
    ) -%}
{%- endfor -%}
{%- for column in not_null -%}
    {%- do rules.append("case when " ~ column ~ " is null then '" ~ column ~ " is null' end") -%}
{%- endfor -%}
{%- for column, values in accepted_values.items() -%}
    {%- set quoted = [] -%}
    {%- for value in values -%}{%- do quoted.append("'" ~ (value | string | replace("'", "''")) ~ "'") -%}{%- endfor -%}
    {%- do rules.append(
        "case when " ~ column ~ " not in (" ~ quoted | join(", ") ~ ") then '" ~ column ~ " not accepted' end"
    ) -%}
{%- endfor -%}
{%- for column, parent in relationships.items() -%}
    {%- do rules.append(
        "case when " ~ column ~ " not in (select " ~ parent.field ~ " from " ~ parent.to
        ~ " where " ~ parent.field ~ " is not null) then '" ~ column ~ " not in " ~ parent.to.identifier ~ "' end"
    ) -%}
{%- endfor -%}
{%- if not rules -%}
    {{ exceptions.raise_compiler_error("column_rules on " ~ model ~ " names no column") }}
{%- endif %}
with checked as (
    select
        concat_ws(', ', {{ rules | join(', ') }}) as failing_rules,
        *
    from {{ model }}
)

select * from checked
where failing_rules <> ''
{% endtest %}
