-- Each credit outcome known by the end of :as_of_date whose snapshot falls in [:period_start, :period_end],
-- beside the PD that was in force when its 12-month window opened: the customer's published score on the
-- latest score date at most :match_days before the snapshot (or on it). Outcomes with no such score are left out.
with outcomes as (
    select distinct on (o.customer_id, o.snapshot_date) o.customer_id, o.snapshot_date, o.defaulted
    from staging.clean_credit_outcomes o
    where o.snapshot_date between :period_start and :period_end
        and o.known_at < cast(:as_of_date as date) + 1
        and o.defaulted is not null
    order by o.customer_id, o.snapshot_date, o.known_at desc
),

matched as (
    select o.customer_id, o.snapshot_date, o.defaulted, s.score_date, s.pd_12m, s.risk_band,
           s.credit_model_version as model_version
    from outcomes o
    cross join lateral (
        select r.score_date, r.pd_12m, r.risk_band, r.credit_model_version
        from risk.risk_scores r
        where r.customer_id = o.customer_id
            and r.score_date between o.snapshot_date - cast(:match_days as integer) and o.snapshot_date
        order by r.score_date desc
        limit 1
    ) s
)

select * from matched order by model_version, score_date, customer_id
