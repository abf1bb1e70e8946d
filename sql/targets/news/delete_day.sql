-- The date's published news signals.
with signals as (delete from risk.news_signals where score_date = :score_date returning 1)

select count(*) as deleted from signals
