-- Rows published for one score date, per model: customers (credit), transactions (fraud), articles (news).
with credit as (
    select 'credit' as model, count(*) as rows_scored from risk.risk_scores where score_date = :score_date
),

fraud as (
    select 'fraud' as model, count(*) as rows_scored from risk.transaction_scores where score_date = :score_date
),

news as (
    select 'news' as model, count(*) as rows_scored from risk.news_signals where score_date = :score_date
),

counts as (
    select * from credit
    union all
    select * from fraud
    union all
    select * from news
)

select * from counts
