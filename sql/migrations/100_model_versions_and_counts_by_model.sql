-- Versions and counts keyed by model, so a new model needs no new column: risk_stage.batches and
-- ops.scoring_runs get model_versions ({"credit": "3", ...}) and model_counts ({"credit": 300, ...}).
-- The per-model columns of the first three models stay, filled from these, for the queries that
-- read them; the code reads only the jsonb columns.

alter table risk_stage.batches
    add column model_versions jsonb not null default '{}'::jsonb,
    add column model_counts jsonb not null default '{}'::jsonb;

alter table ops.scoring_runs
    add column model_versions jsonb not null default '{}'::jsonb,
    add column model_counts jsonb not null default '{}'::jsonb;

update risk_stage.batches
set model_versions = jsonb_strip_nulls(jsonb_build_object(
        'credit', credit_model_version, 'fraud', fraud_model_version, 'news', news_model_version)),
    model_counts = jsonb_build_object(
        'credit', customers_scored, 'fraud', transactions_scored, 'news', articles_scored);

update ops.scoring_runs
set model_versions = jsonb_strip_nulls(jsonb_build_object(
        'credit', credit_model_version, 'fraud', fraud_model_version, 'news', news_model_version)),
    model_counts = jsonb_strip_nulls(jsonb_build_object(
        'credit', customers_scored, 'fraud', transactions_scored, 'news', articles_scored));

comment on column risk_stage.batches.model_versions is 'Champion version each model scored this shard with, keyed by model name; a model skipped (no champion) is absent.';
comment on column risk_stage.batches.model_counts is 'Rows each model scored in this shard, keyed by model name.';
comment on column ops.scoring_runs.model_versions is 'Champion version of each model the run used, keyed by model name.';
comment on column ops.scoring_runs.model_counts is 'Rows each model scored in the run, keyed by model name.';
