-- Per fraud model version, over transactions scored in [:period_start, :period_end] that occurred at least
-- :maturity_days before the end of :as_of_date (their labels have had time to arrive): how many were
-- alerted, how many are confirmed fraud by then, and how many alerts were confirmed (unlabelled = genuine).
with mature as (
    select t.txn_id, t.model_version,
           exists (select 1 from risk.fraud_alerts a where a.score_date = t.score_date and a.txn_id = t.txn_id)
               as is_alerted
    from risk.transaction_scores t
    where t.score_date between :period_start and :period_end
        and t.occurred_at < cast(:as_of_date as date) + 1 - make_interval(days => cast(:maturity_days as integer))
),

labelled as (
    select m.*,
           exists (
               select 1 from staging.clean_fraud_labels l
               where l.txn_id = m.txn_id and l.is_fraud and l.known_at < cast(:as_of_date as date) + 1
           ) as is_fraud
    from mature m
),

tally as (
    select model_version,
           count(*) as transactions,
           count(*) filter (where is_alerted) as alerts,
           count(*) filter (where is_fraud) as confirmed_frauds,
           count(*) filter (where is_alerted and is_fraud) as true_positives
    from labelled
    group by model_version
)

select * from tally order by model_version
