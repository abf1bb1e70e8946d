-- The model inventory shows the approvals (issue 23): migration 130 left its `approvals` column null
-- until migration 140 recorded them. Each model's approvals, newest first: the version, who approved
-- it and when, the reason given, the gate's verdict and whether it overrode a fairness breach; an
-- @champion moved outside finrisk ('alias_moved') is listed too, so an unapproved move shows.
-- Columns of ops.model_promotions are read from the whole row, as in 130, so a repair that drops and
-- re-adds one is not blocked by this view.
create or replace view risk.model_inventory as
with last_run as (
    select r.model_versions, r.challenger_versions, r.score_date
    from ops.scoring_runs r
    where r.status = 'published'
    order by r.score_date desc, r.started_at desc
    limit 1
),
last_promotion as (
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
approvals as (
    select
        p.model,
        jsonb_agg(
            jsonb_build_object(
                'version', p.version,
                'decision', p.decision,
                'by', p.actor,
                'at', p.promoted_at,
                'reason', to_jsonb(p) ->> 'reason',
                'gate_verdict', to_jsonb(p) ->> 'gate_verdict',
                'fairness_override', (to_jsonb(p) ->> 'is_fairness_override')::boolean
            )
            order by p.promoted_at desc
        ) as approvals
    from ops.model_promotions p
    where p.decision in ('approved', 'manual', 'alias_moved')
      and to_jsonb(p) ->> 'status' = 'done'
    group by p.model
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
        ap.approvals
    from risk.model_cards c
    left join last_run run on true
    left join last_promotion promo on promo.model in (c.model, c.registered_name)
    left join last_backtest bt on bt.model in (c.model, c.registered_name)
    left join approvals ap on ap.model in (c.model, c.registered_name)
)
select * from inventory;

comment on view risk.model_inventory is 'One row per model: card, the champion and challenger the last published night scored with, the last gate or promotion decision, the last back-test light, and every approval, manual promotion and alias moved outside finrisk (newest first: version, by, at, reason, gate verdict, fairness override).';
