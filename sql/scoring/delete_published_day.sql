-- Replace a date: remove its published rows (inside the publish transaction, before the inserts).
with d1 as (delete from risk.risk_scores where score_date = :score_date),
d2 as (delete from risk.transaction_scores where score_date = :score_date),
d3 as (delete from risk.fraud_alerts where score_date = :score_date),
d4 as (delete from risk.news_signals where score_date = :score_date),
d5 as (delete from risk.risk_alerts where score_date = :score_date),
d6 as (delete from risk.challenger_scores where score_date = :score_date),
d7 as (delete from risk.score_monitoring where score_date = :score_date returning 1)

select count(*) as monitoring_rows_replaced from d7
