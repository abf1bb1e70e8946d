-- Customer risk scores of the date. Runs after transaction_scores and news_signals of the date
-- are published in the same transaction, so the windows below include today.
-- fraud_score: the highest fraud_prob of the customer's transactions over the last :fraud_window_days dates.
-- news_score: the highest negative_prob of any article about the customer's company over the last :news_window_days
-- dates, halved every :news_half_life_days days of age.
insert into risk.risk_scores (
    score_date, customer_id, pd_12m, fraud_score, news_score, score_points, risk_band, reason_codes,
    numeric_inputs, credit_model_version, fraud_model_version, news_model_version, run_id, scored_at
)
with staged as (
    select s.*, b.staged_at
    from risk_stage.credit_scores s
    join risk_stage.batches b on b.run_id = s.run_id
    where s.run_id = any(:run_ids)
),
fraud as (
    select t.customer_id, max(t.fraud_prob) as fraud_score
    from risk.transaction_scores t
    where t.score_date > cast(:score_date as date) - cast(:fraud_window_days as integer)
      and t.score_date <= :score_date
      and t.customer_id is not null
    group by t.customer_id
),
company_news as (
    select
        c.company,
        max(n.negative_prob * power(0.5, (cast(:score_date as date) - n.score_date) / cast(:news_half_life_days as double precision)))
            as news_score
    from risk.news_signals n
    cross join lateral jsonb_array_elements_text(n.companies) as c (company)
    where n.score_date > cast(:score_date as date) - cast(:news_window_days as integer)
      and n.score_date <= :score_date
    group by c.company
),
scored as (
    select
        staged.score_date,
        staged.customer_id,
        staged.pd_12m,
        coalesce(fraud.fraud_score, 0) as fraud_score,
        coalesce(company_news.news_score, 0) as news_score,
        staged.score_points,
        staged.risk_band,
        coalesce(staged.reason_codes, '[]'::jsonb) as reason_codes,
        coalesce(staged.numeric_inputs, '{}'::jsonb) as numeric_inputs,
        staged.model_version as credit_model_version,
        cast(:fraud_model_version as text) as fraud_model_version,
        cast(:news_model_version as text) as news_model_version,
        staged.run_id,
        staged.staged_at as scored_at
    from staged
    left join fraud on fraud.customer_id = staged.customer_id
    left join company_news on company_news.company = staged.company
)

select * from scored
