-- Outcomes analysis, performance before labels, and the model inventory (issue 23).
-- Every statistic is stored beside the sample it stands on (observations, defaults). A re-run of a
-- back-test with the same model, version, source, period and as-of date replaces its rows.

create table risk.backtest_runs (
    backtest_id text primary key,
    model text not null,
    model_version text not null,
    source text not null check (source in ('published', 'point_in_time')),
    period_start date not null,
    period_end date not null,
    as_of_date date not null,
    observations integer not null,
    defaults integer not null,
    mean_pd double precision,
    observed_rate double precision,
    jeffreys_p double precision,
    binomial_p double precision,
    hl_statistic double precision,
    hl_dof integer,
    hl_p double precision,
    auc double precision,
    auc_low double precision,
    auc_high double precision,
    hhi double precision,
    light text not null check (light in ('green', 'amber', 'red', 'insufficient')),
    in_sample_observations integer not null default 0,
    settings jsonb not null default '{}'::jsonb,
    computed_at timestamptz not null,
    unique (model, model_version, source, period_start, period_end, as_of_date)
);

create table risk.backtest_bands (
    backtest_id text not null references risk.backtest_runs (backtest_id) on delete cascade,
    risk_band text not null check (risk_band in ('A', 'B', 'C', 'D', 'E')),
    observations integer not null,
    defaults integer not null,
    mean_pd double precision,
    observed_rate double precision,
    jeffreys_p double precision,
    binomial_p double precision,
    light text not null check (light in ('green', 'amber', 'red', 'insufficient')),
    primary key (backtest_id, risk_band)
);

create table risk.band_migrations (
    from_date date not null,
    to_date date not null,
    from_band text not null,
    to_band text not null,
    customers integer not null,
    from_band_customers integer not null,
    computed_at timestamptz not null,
    primary key (from_date, to_date, from_band, to_band)
);

create table risk.fraud_backtests (
    model text not null,
    model_version text not null,
    period_start date not null,
    period_end date not null,
    as_of_date date not null,
    threshold double precision not null,
    maturity_days integer not null,
    transactions integer not null,
    alerts integer not null,
    confirmed_frauds integer not null,
    true_positives integer not null,
    precision double precision,
    recall double precision,
    computed_at timestamptz not null,
    primary key (model, model_version, period_start, period_end, as_of_date)
);

create table risk.performance_estimates (
    score_date date not null,
    model text not null,
    model_version text not null,
    observations integer not null,
    estimated_auc double precision,
    expected_default_rate double precision,
    estimated_at timestamptz not null,
    realised_observations integer,
    realised_defaults integer,
    realised_auc double precision,
    realised_auc_low double precision,
    realised_auc_high double precision,
    realised_default_rate double precision,
    realised_at timestamptz,
    primary key (score_date, model, model_version)
);

create table risk.model_cards (
    model text primary key,
    registered_name text not null,
    owner text not null,
    intended_use text not null,
    limitations text not null,
    validation_status text not null,
    updated_at timestamptz not null
);

create view risk.backtest_results as
with overall as (
    select r.backtest_id, r.model, r.model_version, r.source, r.period_start, r.period_end, r.as_of_date,
           'all'::text as risk_band, r.observations, r.defaults, r.mean_pd, r.observed_rate,
           r.jeffreys_p, r.binomial_p, r.light, r.computed_at
    from risk.backtest_runs r
),
by_band as (
    select r.backtest_id, r.model, r.model_version, r.source, r.period_start, r.period_end, r.as_of_date,
           b.risk_band, b.observations, b.defaults, b.mean_pd, b.observed_rate,
           b.jeffreys_p, b.binomial_p, b.light, r.computed_at
    from risk.backtest_bands b
    join risk.backtest_runs r using (backtest_id)
),
results as (
    select * from by_band
    union all
    select * from overall
)
select * from results;

create view risk.latest_backtests as
with ranked as (
    select r.*, row_number() over (partition by r.model, r.source order by r.computed_at desc) as recency
    from risk.backtest_runs r
)
select * from ranked where recency = 1;

create view risk.model_inventory as
with last_run as (
    select r.model_versions, r.challenger_versions, r.score_date
    from ops.scoring_runs r
    where r.status = 'published'
    order by r.score_date desc, r.started_at desc
    limit 1
),
last_promotion as (
    -- status is read from the whole row, so the view does not pin that column (a repair may re-add it)
    select distinct on (p.model) p.model, p.version, p.decision, p.actor, p.promoted_at
    from ops.model_promotions p
    where to_jsonb(p) ->> 'status' = 'done'
    order by p.model, p.promoted_at desc
),
last_backtest as (
    select distinct on (r.model) r.model, r.model_version, r.source, r.light, r.as_of_date, r.observations
    from risk.backtest_runs r
    order by r.model, r.computed_at desc
),
inventory as (
    select
        c.model,
        c.registered_name,
        c.owner,
        c.intended_use,
        c.limitations,
        c.validation_status,
        run.model_versions ->> c.model as champion_version,
        run.challenger_versions ->> c.model as challenger_version,
        run.score_date as last_scored_date,
        promo.version as last_decided_version,
        promo.decision as last_decision,
        promo.promoted_at as last_decision_at,
        bt.light as last_backtest_light,
        bt.model_version as last_backtest_version,
        bt.source as last_backtest_source,
        bt.as_of_date as last_backtest_as_of,
        bt.observations as last_backtest_observations,
        null::jsonb as approvals
    from risk.model_cards c
    left join last_run run on true
    left join last_promotion promo on promo.model in (c.model, c.registered_name)
    left join last_backtest bt on bt.model in (c.model, c.registered_name)
)
select * from inventory;

grant select on risk.backtest_runs, risk.backtest_bands, risk.band_migrations, risk.fraud_backtests,
    risk.performance_estimates, risk.model_cards, risk.backtest_results, risk.latest_backtests,
    risk.model_inventory to finrisk_analyst;

comment on table risk.backtest_runs is 'One back-test of a PD model version: published PDs (source published, matched to outcomes by backtest.match_days) or scored point in time at past snapshot dates (point_in_time; in_sample_observations of them precede the version''s training date). Observed default rate against mean PD, one-sided Jeffreys and binomial p (small p: more defaults than the PD allows), Hosmer-Lemeshow over the bands (dof = bands), realised AUC with a bootstrap interval, HHI of the band shares, and the light: the worst of the whole and its bands.';
comment on table risk.backtest_bands is 'Per band of a back-test: observations, defaults, mean PD, observed rate, Jeffreys and binomial p, light (insufficient below backtest.min_observations).';
comment on table risk.band_migrations is 'Customers per (band on from_date, band on to_date) among those published on both dates.';
comment on table risk.fraud_backtests is 'Realised precision and recall at the alert threshold on transactions whose labels have matured (maturity_days old by as_of_date); unlabelled mature transactions count as genuine.';
comment on table risk.performance_estimates is 'Each night the champion''s AUC and default rate estimated from its calibrated PDs on the scored population (CBPE), and, once outcomes matched to that date arrive, the realised figures with the AUC''s bootstrap interval.';
comment on table risk.model_cards is 'Owner, intended use, limitations and validation status of each model (from backtest.model_cards_file or the built-in cards).';
comment on view risk.backtest_results is 'Every back-test by band plus an ''all'' row: the analyst''s back-test table.';
comment on view risk.latest_backtests is 'The latest back-test of each model and source.';
comment on view risk.model_inventory is 'One row per model: card, the champion and challenger the last published night scored with, the last gate or promotion decision, the last back-test light; approvals stay null until approvals are recorded.';
