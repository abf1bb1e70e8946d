-- Challenger against champion on the same rows: means and Spearman rank agreement
-- (Pearson correlation of average ranks, so ties count fairly).
with staged as (
    select * from risk_stage.challenger_scores where run_id = any(:run_ids)
),
ranked as (
    select
        model, version, champion_version, prob, champion_prob,
        rank() over (partition by model order by prob)
            + (count(*) over (partition by model, prob) - 1) / 2.0 as prob_rank,
        rank() over (partition by model order by champion_prob)
            + (count(*) over (partition by model, champion_prob) - 1) / 2.0 as champion_rank
    from staged
),
summary as (
    select
        model, version, champion_version, count(*) as rows,
        avg(prob) as mean_prob, avg(champion_prob) as champion_mean_prob,
        corr(prob_rank, champion_rank) as spearman
    from ranked
    group by model, version, champion_version
)

select * from summary order by model
