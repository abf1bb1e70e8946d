-- Shadow scores of challengers into risk.challenger_scores.
insert into risk.challenger_scores (score_date, model, version, key, prob, champion_version, champion_prob, run_id)
with staged as (
    select * from risk_stage.challenger_scores where run_id = any(:run_ids)
)
select score_date, model, version, key, prob, champion_version, champion_prob, run_id from staged
