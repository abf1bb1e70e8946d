-- After a date is published (or found empty): clear its staging. The caller holds the date's
-- exclusive run lock, so no other run is staging the date: every batch of it is either what was
-- just published or an older, superseded layout.
with d1 as (delete from risk_stage.credit_scores s where s.score_date = :score_date),
d2 as (delete from risk_stage.transaction_scores s where s.score_date = :score_date),
d3 as (delete from risk_stage.news_signals s where s.score_date = :score_date),
d4 as (delete from risk_stage.challenger_scores s where s.score_date = :score_date),
deleted as (delete from risk_stage.batches b where b.score_date = :score_date returning b.run_id)

select count(*) as batches_cleared from deleted
