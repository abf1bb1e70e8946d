-- Early warnings of the date: compare each customer's published score with their previous one.
-- Triggers, most severe first: entered the worst band, band worsened by :band_jump or more,
-- PD at least :pd_ratio times the previous (and at least :min_pd).
insert into risk.risk_alerts (
    score_date, customer_id, alert_type, triggers, previous_score_date, previous_band, risk_band,
    previous_pd, pd_12m, reason_codes, run_id
)
with today as (
    select * from risk.risk_scores where score_date = :score_date
),
compared as (
    select
        today.*,
        previous.score_date as previous_score_date,
        previous.risk_band as previous_band,
        previous.pd_12m as previous_pd,
        array_position(cast(:bands as text[]), today.risk_band)
            - array_position(cast(:bands as text[]), previous.risk_band) as band_steps_worse
    from today
    join lateral (
        select p.score_date, p.risk_band, p.pd_12m
        from risk.risk_scores p
        where p.customer_id = today.customer_id and p.score_date < today.score_date
        order by p.score_date desc
        limit 1
    ) as previous on true
),
triggered as (
    select
        compared.*,
        array_remove(array[
            case when risk_band = cast(:worst_band as text) and previous_band <> cast(:worst_band as text)
                 then 'entered_band_e' end,
            case when band_steps_worse >= :band_jump then 'band_jump' end,
            case when previous_pd > 0 and pd_12m >= :pd_ratio * previous_pd and pd_12m >= :min_pd
                 then 'pd_jump' end
        ], null) as triggers
    from compared
),
alerts as (
    select
        score_date, customer_id, triggers[1] as alert_type, triggers, previous_score_date, previous_band,
        risk_band, previous_pd, pd_12m, reason_codes, run_id
    from triggered
    where cardinality(triggers) > 0
)

select * from alerts
