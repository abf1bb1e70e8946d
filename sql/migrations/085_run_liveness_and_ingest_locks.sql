-- Ingest and validation runs that can be found dead, and ingest locks the analyst cannot take
-- (issue 20, defects 3 and 5).
-- * A run holds a connection of its own for its whole life and records its backend (pid + backend
--   start: pids are reused). A later run of the same kind marks a run still 'running' whose backend
--   is gone 'abandoned', with the time and the reason, as ops.scoring_runs does since migration 040.
-- * quality.runs: one row per validation run, 'running' from before anything is checked until it
--   ends 'succeeded' or 'failed' (quality.validation_runs keeps one row per table, written as each
--   table finishes, so a killed run left no trace of itself there).
-- * ops.ingest_locks: one row per staging table. Ingest locks its table's row FOR UPDATE with a
--   timeout instead of an advisory lock: any role, finrisk_analyst included, can take an advisory
--   lock and hold it, and ingest waited for it with no end and no word; ops is closed to the analyst.

alter table ops.ingest_runs drop constraint if exists ingest_runs_status_check;
alter table ops.ingest_runs add constraint ingest_runs_status_check
    check (status in ('running', 'succeeded', 'failed', 'abandoned'));

alter table ops.ingest_runs
    add column backend_pid integer,
    add column backend_started_at timestamptz,
    add column abandoned_at timestamptz,
    add column abandoned_reason text;
create index on ops.ingest_runs (status);

comment on column ops.ingest_runs.backend_pid is 'PostgreSQL backend of the run''s own connection; with backend_started_at it tells whether the run is still alive.';
comment on column ops.ingest_runs.abandoned_reason is 'Why a running run was marked abandoned (its backend was gone when a later ingest started).';

create table quality.runs (
    run_id text primary key,
    run_date date not null,
    status text not null check (status in ('running', 'succeeded', 'failed', 'abandoned')),
    error text,
    started_at timestamptz not null default now(),
    finished_at timestamptz,
    backend_pid integer,
    backend_started_at timestamptz,
    abandoned_at timestamptz,
    abandoned_reason text
);
create index on quality.runs (run_date);
create index on quality.runs (status);

comment on table quality.runs is 'One row per validation run: running, then succeeded or failed (error: the first batch-level failure or why it stopped); abandoned when its backend was gone at a later run''s start.';

create table ops.ingest_locks (
    table_name text primary key,
    created_at timestamptz not null default now()
);
insert into ops.ingest_locks (table_name)
values ('customers'), ('credit_outcomes'), ('transactions'), ('fraud_labels'), ('news_articles'), ('news_labels')
on conflict (table_name) do nothing;

comment on table ops.ingest_locks is 'One row per staging table; an ingest of the table holds a row lock on it (FOR UPDATE) while it moves rows.';

revoke all on ops.ingest_locks from finrisk_analyst;
revoke all on quality.runs from finrisk_analyst;
