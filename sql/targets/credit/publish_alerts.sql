-- Early warnings of the date (issue 22): a material deterioration since the customer's previous score,
-- not a PD that crosses a band cutoff by a hair. Triggers, most severe first:
--   held_band_e  in the worst band tonight, entered it :hold_nights published nights ago (tonight included) and
--                held it since, its lowest PD since entering at least :min_pd_increase above the PD before
--                entering (a customer wobbling around the cutoff is not a deterioration), and no warning raised
--                since entering; compared with the score before entering
--   band_jump    band worse than the previous score's by :band_jump steps or more
--   pd_jump      PD at least :pd_ratio times the previous AND at least :min_pd_increase higher (and at least :min_pd)
-- changes: the reason codes whose contribution grew since the compared score, largest growth first, with the
-- old and new values of their numeric inputs (:reason_inputs maps a reason code to the numeric inputs it stands for).
insert into risk.risk_alerts (
    score_date, customer_id, alert_type, triggers, previous_score_date, previous_band, risk_band,
    previous_pd, pd_12m, reason_codes, changes, run_id
)
with today as (
    select * from risk.risk_scores where score_date = :score_date
),
previous as (
    select today.customer_id, p.score_date, p.risk_band, p.pd_12m, p.reason_codes, p.numeric_inputs
    from today
    join lateral (
        select q.score_date, q.risk_band, q.pd_12m, q.reason_codes, q.numeric_inputs
        from risk.risk_scores q
        where q.customer_id = today.customer_id and q.score_date < today.score_date
        order by q.score_date desc
        limit 1
    ) as p on true
),
-- a customer in the worst band tonight: its last score outside it (every score since is in the worst band)
before_worst as (
    select
        today.customer_id,
        b.score_date, b.risk_band, b.pd_12m, b.reason_codes, b.numeric_inputs,
        1 + (
            select count(*) from risk.risk_scores w
            where w.customer_id = today.customer_id and w.score_date > b.score_date and w.score_date < today.score_date
        ) as nights_held,
        least(today.pd_12m, (
            select min(w.pd_12m) from risk.risk_scores w
            where w.customer_id = today.customer_id and w.score_date > b.score_date and w.score_date < today.score_date
        )) as lowest_held_pd,
        exists (
            select 1 from risk.risk_alerts a
            where a.customer_id = today.customer_id and a.score_date > b.score_date and a.score_date < today.score_date
        ) as warned_since
    from today
    join lateral (
        select q.score_date, q.risk_band, q.pd_12m, q.reason_codes, q.numeric_inputs
        from risk.risk_scores q
        where q.customer_id = today.customer_id and q.score_date < today.score_date
          and q.risk_band <> cast(:worst_band as text)
        order by q.score_date desc
        limit 1
    ) as b on true
    where today.risk_band = cast(:worst_band as text)
),
triggered as (
    select
        today.*,
        p.risk_band as previous_band,
        w.score_date as entry_score_date,
        array_remove(array[
            case when w.nights_held = :hold_nights and not w.warned_since
                      and w.lowest_held_pd - w.pd_12m >= :min_pd_increase
                 then 'held_band_e' end,
            case when array_position(cast(:bands as text[]), today.risk_band)
                      - array_position(cast(:bands as text[]), p.risk_band) >= :band_jump
                 then 'band_jump' end,
            case when p.pd_12m > 0 and today.pd_12m >= :pd_ratio * p.pd_12m
                      and today.pd_12m - p.pd_12m >= :min_pd_increase and today.pd_12m >= :min_pd
                 then 'pd_jump' end
        ], null) as triggers
    from today
    join previous p on p.customer_id = today.customer_id
    left join before_worst w on w.customer_id = today.customer_id
),
-- the score each warning is measured against: the one before entering the worst band for held_band_e,
-- else the previous score
compared as (
    select
        t.*,
        case when t.triggers[1] = 'held_band_e' then w.score_date else p.score_date end as base_date,
        case when t.triggers[1] = 'held_band_e' then w.risk_band else p.risk_band end as base_band,
        case when t.triggers[1] = 'held_band_e' then w.pd_12m else p.pd_12m end as base_pd,
        case when t.triggers[1] = 'held_band_e' then w.reason_codes else p.reason_codes end as base_reasons,
        case when t.triggers[1] = 'held_band_e' then w.numeric_inputs else p.numeric_inputs end as base_inputs
    from triggered t
    join previous p on p.customer_id = t.customer_id
    left join before_worst w on w.customer_id = t.customer_id
    where cardinality(t.triggers) > 0
),
alerts as (
    select
        c.score_date, c.customer_id, c.triggers[1] as alert_type, c.triggers, c.base_date as previous_score_date,
        c.base_band as previous_band, c.risk_band, c.base_pd as previous_pd, c.pd_12m, c.reason_codes,
        coalesce((
            select jsonb_agg(
                jsonb_build_object(
                    'code', r.value ->> 'code',
                    'description', r.value ->> 'description',
                    'previous_contribution', pr.value -> 'contribution',
                    'contribution', r.value -> 'contribution',
                    'inputs', coalesce((
                        select jsonb_object_agg(
                            k.key,
                            jsonb_build_object('previous', c.base_inputs -> k.key, 'current', c.numeric_inputs -> k.key)
                        )
                        -- the reason's inputs (catalogue reasons name them), else the field names in its code
                        from jsonb_array_elements_text(coalesce(
                            (select jsonb_agg(i.value ->> 'input') from jsonb_array_elements(r.value -> 'inputs') as i (value)),
                            to_jsonb(string_to_array(r.value ->> 'code', '+'))
                        )) as part (name)
                        cross join lateral jsonb_array_elements_text(
                            coalesce(cast(:reason_inputs as jsonb) -> part.name, jsonb_build_array(part.name))
                        ) as k (key)
                        where c.numeric_inputs -> k.key is not null
                    ), '{}'::jsonb)
                )
                order by cast(r.value ->> 'contribution' as double precision)
                    - coalesce(cast(pr.value ->> 'contribution' as double precision), 0) desc
            )
            from jsonb_array_elements(c.reason_codes) as r (value)
            left join lateral (
                select x.value from jsonb_array_elements(c.base_reasons) as x (value)
                where x.value ->> 'code' = r.value ->> 'code'
                limit 1
            ) as pr on true
            where cast(r.value ->> 'contribution' as double precision)
                > coalesce(cast(pr.value ->> 'contribution' as double precision), 0)
        ), '[]'::jsonb) as changes,
        c.run_id
    from compared c
)

select * from alerts
