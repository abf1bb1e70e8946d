-- Ingest bookkeeping: one log row per `finrisk ingest` run and one watermark per table and run date.
-- cutoff_at is the end of the run date (event time < cutoff_at was in scope); a row whose event time
-- is before an earlier run's cutoff_at arrived late and is stamped known_at = the end of its run date.

create table ops.ingest_runs (
    run_id text primary key,
    run_date date not null,
    status text not null check (status in ('running', 'succeeded', 'failed')),
    rows_loaded jsonb not null default '{}'::jsonb,
    error text,
    started_at timestamptz not null default now(),
    finished_at timestamptz
);
create index on ops.ingest_runs (run_date);

create table ops.ingest_watermarks (
    table_name text not null,
    run_date date not null,
    cutoff_at timestamptz not null,
    high_water timestamptz,
    rows_loaded bigint not null default 0,
    late_rows bigint not null default 0,
    run_id text not null references ops.ingest_runs (run_id),
    finished_at timestamptz not null default now(),
    primary key (table_name, run_date)
);

comment on table ops.ingest_watermarks is 'Per table and run date: the event-time cutoff ingested, the newest on-time event time, and the rows that date''s runs loaded.';
