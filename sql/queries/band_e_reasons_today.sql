-- Which reasons put customers into band E on the latest score date, and how often?
-- One row per reason code of the bank's catalogue (finrisk/scoring/reason_catalogue.yaml):
-- code; example_text: one customer's letter sentence for it (each customer's own value is in
-- reason_codes); customers: band-E customers with this code among their reasons; share_pct: of
-- all band-E customers that day, in per cent; mean_pd_drop: how much the PD drops on average when
-- the code's inputs are left out (0.0150 = 1.5 percentage points); directions: the directions that
-- hurt (high, low, or value for a category).
with latest_date as (
    select max(score_date) as score_date from risk.risk_scores
),

band_e as (
    select s.customer_id, s.reason_codes
    from risk.risk_scores s
    join latest_date d on d.score_date = s.score_date
    where s.risk_band = 'E'
),

reasons as (
    select
        band_e.customer_id,
        r.value ->> 'code' as code,
        r.value ->> 'description' as description,
        (r.value ->> 'contribution')::numeric as contribution,
        r.value -> 'inputs' -> 0 ->> 'direction' as direction
    from band_e
    cross join lateral jsonb_array_elements(band_e.reason_codes) as r (value)
),

by_code as (
    select
        code,
        min(description) as example_text,
        count(distinct customer_id) as customers,
        round(100.0 * count(distinct customer_id) / (select count(*) from band_e), 1) as share_pct,
        round(avg(contribution), 4) as mean_pd_drop,
        string_agg(distinct coalesce(direction, 'value'), ', ') as directions
    from reasons
    group by code
)

select * from by_code order by customers desc, code
