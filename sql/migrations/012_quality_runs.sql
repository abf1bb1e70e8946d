-- Validation bookkeeping: one row per table per `finrisk validate` run, one per expectation result,
-- and a unique key on quarantine so that re-validating a date never duplicates a quarantined row.

create table quality.validation_runs (
    run_id text not null,
    run_date date not null,
    suite text not null,
    table_name text not null,
    success boolean not null,
    evaluated_rows bigint not null,
    failed_rows bigint not null,
    batch_failure text,
    started_at timestamptz not null,
    finished_at timestamptz not null,
    primary key (run_id, table_name)
);
create index on quality.validation_runs (run_date, table_name);

create table quality.expectation_results (
    run_id text not null,
    suite text not null,
    expectation text not null,
    column_name text,
    success boolean not null,
    unexpected_count bigint,
    details jsonb not null default '{}'::jsonb
);
create index on quality.expectation_results (run_id);

create unique index quarantine_row_expectation_key on quality.quarantine (table_name, row_id, expectation);
