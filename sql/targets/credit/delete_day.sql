-- The date's published credit rows: risk scores and the early warnings derived from them.
with alerts as (delete from risk.risk_alerts where score_date = :score_date),
scores as (delete from risk.risk_scores where score_date = :score_date returning 1)

select count(*) as deleted from scores
