-- Published risk outputs (issue 5): what analysts and downstream systems read.
-- Every table is partitioned by score_date in its primary key: a rerun of a date replaces
-- that date in one transaction (finrisk.scoring.publish), other dates are never touched.

create table risk.risk_scores (
    score_date date not null,
    customer_id text not null,
    pd_12m double precision not null check (pd_12m between 0 and 1),
    fraud_score double precision not null check (fraud_score between 0 and 1),
    news_score double precision not null check (news_score between 0 and 1),
    score_points integer not null,
    risk_band text not null check (risk_band in ('A', 'B', 'C', 'D', 'E')),
    reason_codes jsonb not null default '[]'::jsonb,
    credit_model_version text not null,
    fraud_model_version text not null,
    news_model_version text not null,
    run_id text not null,
    scored_at timestamptz not null,
    primary key (score_date, customer_id)
);
create index on risk.risk_scores (customer_id, score_date desc);
create index on risk.risk_scores (score_date, risk_band);

create table risk.transaction_scores (
    score_date date not null,
    txn_id text not null,
    customer_id text,
    occurred_at timestamptz,
    fraud_prob double precision not null check (fraud_prob between 0 and 1),
    model_version text not null,
    run_id text not null,
    primary key (score_date, txn_id)
);
create index on risk.transaction_scores (customer_id, score_date);

create table risk.fraud_alerts (
    score_date date not null,
    txn_id text not null,
    customer_id text,
    occurred_at timestamptz,
    fraud_prob double precision not null check (fraud_prob between 0 and 1),
    threshold double precision not null,
    reason text not null,
    reason_codes jsonb not null default '[]'::jsonb,
    model_version text not null,
    run_id text not null,
    primary key (score_date, txn_id)
);

create table risk.news_signals (
    score_date date not null,
    article_id text not null,
    published_at timestamptz,
    companies jsonb not null default '[]'::jsonb,
    sentiment text not null,
    negative_prob double precision not null check (negative_prob between 0 and 1),
    model_version text not null,
    run_id text not null,
    primary key (score_date, article_id)
);
create index on risk.news_signals using gin (companies jsonb_path_ops);

create table risk.risk_alerts (
    score_date date not null,
    customer_id text not null,
    alert_type text not null check (alert_type in ('entered_band_e', 'band_jump', 'pd_jump')),
    triggers text[] not null,
    previous_score_date date not null,
    previous_band text not null,
    risk_band text not null,
    previous_pd double precision not null,
    pd_12m double precision not null,
    reason_codes jsonb not null default '[]'::jsonb,
    run_id text not null,
    primary key (score_date, customer_id)
);

create table risk.challenger_scores (
    score_date date not null,
    model text not null,
    version text not null,
    key text not null,
    prob double precision not null check (prob between 0 and 1),
    champion_version text not null,
    champion_prob double precision not null,
    run_id text not null,
    primary key (score_date, model, version, key)
);

create table risk.score_monitoring (
    score_date date not null,
    run_id text not null,
    model text not null,
    model_version text not null,
    role text not null check (role in ('champion', 'challenger')),
    metric text not null,
    feature text not null default '',
    value double precision,
    threshold double precision,
    is_flagged boolean not null default false,
    detail jsonb not null default '{}'::jsonb,
    computed_at timestamptz not null,
    primary key (score_date, model, role, metric, feature)
);

create table ops.scoring_runs (
    run_id text primary key,
    score_date date not null,
    step text not null check (step in ('score', 'publish')),
    shard_index integer,
    shard_count integer,
    credit_model_version text,
    fraud_model_version text,
    news_model_version text,
    challenger_versions jsonb not null default '{}'::jsonb,
    customers_scored bigint not null default 0,
    transactions_scored bigint not null default 0,
    articles_scored bigint not null default 0,
    rows_published bigint,
    status text not null check (status in ('running', 'staged', 'published', 'empty', 'failed')),
    error text,
    started_at timestamptz not null,
    finished_at timestamptz,
    duration_s double precision,
    rows_per_s double precision
);
create index on ops.scoring_runs (score_date, started_at);

comment on table risk.risk_scores is 'One row per active customer per score_date: PD, fraud and news signals, scorecard points, band A (safest)..E, reason codes, model versions.';
comment on column risk.risk_scores.reason_codes is 'Up to 4 {code, description, contribution}: record fields whose removal lowers pd_12m most (occlusion), largest first.';
comment on column risk.risk_scores.score_points is '600 points at 50:1 good:bad odds, 20 points to double the odds; higher is safer.';
comment on column risk.risk_scores.fraud_score is 'Highest fraud_prob of the customer''s transactions over the last 7 score dates, 0 if none.';
comment on column risk.risk_scores.news_score is 'Adverse news about the customer''s company over the last 30 days: the largest recency-weighted negative_prob, 0 if none.';
comment on table risk.transaction_scores is 'Fraud probability of every transaction of the score date.';
comment on table risk.fraud_alerts is 'Transactions whose fraud_prob reached the configured threshold, with the fields that drove it.';
comment on table risk.news_signals is 'Sentiment of every article of the score date; negative_prob drives news_score.';
comment on table risk.risk_alerts is 'Early warnings: band worsened by 2+, PD doubled, or entered band E since the previous score.';
comment on table risk.challenger_scores is 'Shadow scores of a challenger version on the same rows as the champion; never published as risk scores.';
comment on table risk.score_monitoring is 'Per run and model: PSI against the training population, band shares, mean probability, challenger agreement.';
comment on table ops.scoring_runs is 'One row per scoring or publish run: versions, row counts, duration, throughput, status.';
