-- Forget vectors computed more than :days days ago (a text still in use is encoded again once).
with gone as (delete from ops.text_embeddings where computed_on < current_date - cast(:days as integer) returning 1)
select count(*) as pruned from gone
