-- Scoring staging: each shard's scores land here first, keyed by run; publish audits the
-- complete set of shards of a date and merges it into risk.* in one transaction, then
-- clears the date from here. Analysts have no access to this schema. model_references holds
-- each champion's training-population reference, so publish computes PSI without MLflow.

create schema if not exists risk_stage;

create table risk_stage.batches (
    score_date date not null,
    shard_index integer not null,
    shard_count integer not null,
    run_id text not null unique,
    credit_model_version text not null,
    fraud_model_version text not null,
    news_model_version text not null,
    challenger_versions jsonb not null default '{}'::jsonb,
    model_references jsonb not null default '{}'::jsonb,
    customers_scored bigint not null,
    transactions_scored bigint not null,
    articles_scored bigint not null,
    staged_at timestamptz not null,
    primary key (score_date, shard_count, shard_index)
);

create table risk_stage.credit_scores (
    run_id text not null,
    score_date date not null,
    customer_id text,
    pd_12m double precision,
    score_points integer,
    risk_band text,
    reason_codes jsonb,
    numeric_inputs jsonb,
    company text,
    model_version text not null
);
create index on risk_stage.credit_scores (run_id);

create table risk_stage.transaction_scores (
    run_id text not null,
    score_date date not null,
    txn_id text,
    customer_id text,
    occurred_at timestamptz,
    fraud_prob double precision,
    reason_codes jsonb,
    numeric_inputs jsonb,
    model_version text not null
);
create index on risk_stage.transaction_scores (run_id);

create table risk_stage.news_signals (
    run_id text not null,
    score_date date not null,
    article_id text,
    published_at timestamptz,
    companies jsonb,
    sentiment text,
    negative_prob double precision,
    numeric_inputs jsonb,
    model_version text not null
);
create index on risk_stage.news_signals (run_id);

create table risk_stage.challenger_scores (
    run_id text not null,
    score_date date not null,
    model text not null,
    version text not null,
    key text,
    prob double precision,
    champion_version text not null,
    champion_prob double precision
);
create index on risk_stage.challenger_scores (run_id);
