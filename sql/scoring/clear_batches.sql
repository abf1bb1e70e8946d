-- Challenger rows and batch records of the given runs (:run_ids), or of the whole date when
-- :run_ids is null; each model's staged rows are cleared by its target's clear.sql first.
with challengers as (
    delete from risk_stage.challenger_scores s
    where (cast(:run_ids as text[]) is null and s.score_date = :score_date)
       or s.run_id = any(cast(:run_ids as text[]))
),
deleted as (
    delete from risk_stage.batches b
    where (cast(:run_ids as text[]) is null and b.score_date = :score_date)
       or b.run_id = any(cast(:run_ids as text[]))
    returning b.run_id
)

select count(*) as batches_cleared from deleted
