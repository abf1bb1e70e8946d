-- The date's published fraud rows: transaction scores and the alerts derived from them.
with alerts as (delete from risk.fraud_alerts where score_date = :score_date),
scores as (delete from risk.transaction_scores where score_date = :score_date returning 1)

select count(*) as deleted from scores
