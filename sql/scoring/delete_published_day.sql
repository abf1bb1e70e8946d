-- Replace a date: remove its published rows (inside the publish transaction, before the inserts).
-- Only the tables of the models this publish scored; a model skipped tonight (no
-- champion) keeps what was published for it. Challenger and monitoring rows of those models too.
with d1 as (delete from risk.risk_scores where score_date = :score_date and 'credit' = any(:models)),
d2 as (delete from risk.transaction_scores where score_date = :score_date and 'fraud' = any(:models)),
d3 as (delete from risk.fraud_alerts where score_date = :score_date and 'fraud' = any(:models)),
d4 as (delete from risk.news_signals where score_date = :score_date and 'news' = any(:models)),
d5 as (delete from risk.risk_alerts where score_date = :score_date and 'credit' = any(:models)),
d6 as (delete from risk.challenger_scores where score_date = :score_date and model = any(:registered)),
d7 as (
    delete from risk.score_monitoring where score_date = :score_date and model = any(:registered) returning 1
)

select count(*) as monitoring_rows_replaced from d7
