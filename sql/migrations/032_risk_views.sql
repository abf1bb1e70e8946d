-- Analyst views over the published risk tables. Readable copies with comments live in
-- sql/queries/; the definitions here are what the database runs.

create view risk.latest_risk_scores as
with latest as (
    select distinct on (s.customer_id) s.*
    from risk.risk_scores s
    order by s.customer_id, s.score_date desc
)
select * from latest;

create view risk.customer_risk_history as
with history as (
    select
        s.customer_id,
        s.score_date,
        s.risk_band,
        s.pd_12m,
        s.score_points,
        s.fraud_score,
        s.news_score,
        lag(s.score_date) over w as previous_score_date,
        lag(s.risk_band) over w as previous_band,
        lag(s.pd_12m) over w as previous_pd,
        s.reason_codes,
        s.credit_model_version,
        s.run_id
    from risk.risk_scores s
    window w as (partition by s.customer_id order by s.score_date)
),
with_change as (
    select
        history.*,
        ascii(history.risk_band) - ascii(history.previous_band) as band_steps_worse
    from history
)
select * from with_change;

create view risk.model_lineage as
with champions as (
    select s.score_date, v.model, 'champion'::text as role, v.model_version, count(*) as customers_scored,
           min(s.scored_at) as first_scored_at, array_agg(distinct s.run_id) as run_ids
    from risk.risk_scores s
    cross join lateral (
        values ('finrisk-credit', s.credit_model_version),
               ('finrisk-fraud', s.fraud_model_version),
               ('finrisk-news', s.news_model_version)
    ) as v (model, model_version)
    group by s.score_date, v.model, v.model_version
),
challengers as (
    select c.score_date, c.model, 'challenger'::text as role, c.version as model_version, count(*) as customers_scored,
           null::timestamptz as first_scored_at, array_agg(distinct c.run_id) as run_ids
    from risk.challenger_scores c
    group by c.score_date, c.model, c.version
),
lineage as (
    select * from champions
    union all
    select * from challengers
)
select * from lineage;

comment on view risk.latest_risk_scores is 'Each customer''s most recent risk_scores row.';
comment on view risk.customer_risk_history is 'Every score of every customer with the previous band and PD beside it.';
comment on view risk.model_lineage is 'Which model version (champion or shadow challenger) scored which dates; customers_scored counts rows.';
