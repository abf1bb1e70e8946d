-- Scoring runs that can be told apart, found dead, and kept from overlapping.
-- * ops.scoring_runs records the backend of each run (pid + backend start), so a later run of
--   the date can tell a run whose process is gone and mark it 'abandoned' with time and reason;
--   and whether the run checked a passed validation run (or was told to skip the check).
-- * ops.scoring_locks holds one row per lock key (a date, or a date's shard). Runs take row
--   locks on them (FOR UPDATE / FOR SHARE) with a timeout; finrisk_analyst cannot read ops, so
--   it cannot take them, unlike an advisory lock, which any role can take.
-- * A model with no @champion is skipped: the version columns of a staged batch and the other
--   models' version columns of risk.risk_scores may be null.

alter table ops.scoring_runs drop constraint if exists scoring_runs_status_check;
alter table ops.scoring_runs add constraint scoring_runs_status_check
    check (status in ('running', 'staged', 'published', 'empty', 'failed', 'abandoned'));

alter table ops.scoring_runs
    add column backend_pid integer,
    add column backend_started_at timestamptz,
    add column abandoned_at timestamptz,
    add column abandoned_reason text,
    add column validation_run_id text,
    add column is_validation_skipped boolean not null default false,
    add column skipped_models jsonb not null default '[]'::jsonb;
create index on ops.scoring_runs (score_date, status);

comment on column ops.scoring_runs.backend_pid is 'PostgreSQL backend of the run''s lock connection; with backend_started_at it tells whether the run is still alive.';
comment on column ops.scoring_runs.abandoned_reason is 'Why a running run was marked abandoned (its backend was gone when a later run of the date started).';
comment on column ops.scoring_runs.is_validation_skipped is 'True when the run was started with --skip-validation-check (an emergency), so scored data may be unvalidated.';

create table ops.scoring_locks (
    lock_key text primary key,
    created_at timestamptz not null default now()
);
comment on table ops.scoring_locks is 'One row per scoring lock key; runs hold row locks on them from staging to publish.';

revoke all on ops.scoring_locks from finrisk_analyst;

alter table risk_stage.batches
    alter column credit_model_version drop not null,
    alter column fraud_model_version drop not null,
    alter column news_model_version drop not null;

alter table risk.risk_scores
    alter column fraud_model_version drop not null,
    alter column news_model_version drop not null;
