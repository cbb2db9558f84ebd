{#-
    COMMENT ON every marts relation and its columns from their descriptions (CONTRACT §3.4: the
    file documents itself in any SQL client or BI tool), once per build, for the models it built.
    What dbt's `persist_docs` config writes, in one catalog query and one batch of statements:
    `persist_docs` does it model by model with two catalog queries each (dbt-duckdb's
    get_columns_in_relation, read into agate tables), ~3 % of dbt's CPU in a cold build
    (docs/performance.md); in one transaction, so the build syncs its WAL once for them. Run as
    the project's on-run-end hook; a model that failed or was skipped is not commented, as
    before.
-#}

{% macro persist_docs_in_bulk(results, folder='marts') %}
    {%- if not execute -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set built = [] -%}
    {%- for result in results
        if result.status == 'success'
        and result.node.resource_type == 'model'
        and result.node.fqn[1] == folder -%}
        {%- do built.append(result.node) -%}
    {%- endfor -%}
    {%- if not built -%}
        {%- do return('') -%}
    {%- endif -%}
    {%- set schemas = built | map(attribute='schema') | unique | list -%}
    {%- set found = run_query(
        "select schema_name || '.' || table_name, column_name from duckdb_columns() "
        ~ "where database_name = current_database() and schema_name in ('"
        ~ (schemas | join("', '")) ~ "')"
    ) -%}
    {%- set existing = {} -%}
    {%- for row in found.rows -%}
        {%- do existing.setdefault(row[0], []).append(row[1]) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for node in built -%}
        {%- set name = node.alias or node.name -%}
        {%- set relation = adapter.quote(node.schema) ~ '.' ~ adapter.quote(name) -%}
        {%- set kind = 'view' if node.config.materialized == 'view' else 'table' -%}
        {%- if node.description -%}
            {%- do statements.append(
                'comment on ' ~ kind ~ ' ' ~ relation ~ ' is '
                ~ duckdb_escape_comment(node.description) ~ ';'
            ) -%}
        {%- endif -%}
        {#- DuckLake (the lake target) cannot comment a view's columns -#}
        {%- set columns = [] if kind == 'view' and target.name == 'lake'
            else existing.get(node.schema ~ '.' ~ name, []) -%}
        {%- for column_name, column in node.columns.items() if column_name in columns -%}
            {%- do statements.append(
                'comment on column ' ~ relation ~ '.'
                ~ (adapter.quote(column_name) if column.quote else column_name)
                ~ ' is ' ~ duckdb_escape_comment(column.description) ~ ';'
            ) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- if statements -%}
        {#- One transaction: run as one string without it, every statement commits on its own,
            and each DuckDB commit syncs the write-ahead log to disk (~470 syncs for 20 PDFs:
            0.4-2.5 s by the disk's other users, 0.08 s in one transaction; docs/performance.md).
        -#}
        {%- do run_query(
            'begin transaction;\n' ~ (statements | join('\n')) ~ '\ncommit;'
        ) -%}
    {%- endif -%}
    {%- do return('') -%}
{% endmacro %}
