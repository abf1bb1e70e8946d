-- Replace a date: remove the challenger and monitoring rows of the models this publish scored
-- (each model's own published rows go through its target's delete_day.sql). A model skipped
-- tonight (no champion) keeps what was published for it.
with challengers as (
    delete from risk.challenger_scores where score_date = :score_date and model = any(:registered)
),
monitoring as (
    delete from risk.score_monitoring where score_date = :score_date and model = any(:registered) returning 1
)

select count(*) as monitoring_rows_replaced from monitoring
