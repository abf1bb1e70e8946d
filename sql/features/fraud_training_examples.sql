-- Fraud training examples: one row per transaction with its label and its sampling rate.
-- :known_by is the training run's cutoff (null: everything staged): labels and transactions known later are not read.
-- :population false: the labelled transactions only (their latest clean label).
-- :population true: the population the model scores. The snapshot is :known_by (or the latest known_at
--   staged); transactions that occurred at least :maturity_days (at most half the history) before it are mature: a mature one with no
--   fraud label known by the snapshot counts as genuine; immature ones are left out (labelled or not), so
--   every example had the same time to be reported. Genuine examples are kept by a hash of txn_id at
--   sample_rate = least(1, :genuine_target / mature genuine count); fraud rows have sample_rate 1. The model
--   corrects its odds by log(sample_rate) (finrisk.models.population).
-- is_known_txn is false for a label whose transaction was never staged (training refuses such labels).
with labels as (
    select distinct on (l.txn_id) l.txn_id, l.is_fraud
    from staging.clean_fraud_labels l
    where l.txn_id is not null and l.is_fraud is not null
        and (cast(:known_by as timestamptz) is null or l.known_at <= cast(:known_by as timestamptz))
    order by l.txn_id, l.labeled_at desc, l.row_id desc
),

all_txns as (
    select distinct on (t.txn_id) t.txn_id, t.occurred_at
    from staging.clean_transactions t
    where (cast(:known_by as timestamptz) is null or t.known_at <= cast(:known_by as timestamptz))
        and (cast(:population as boolean) or t.txn_id in (select txn_id from labels))
    order by t.txn_id, t.known_at desc, t.row_id desc
),

snapshot as (
    select coalesce(cast(:known_by as timestamptz), (select max(known_at) from staging.clean_transactions)) as at
),

-- The maturity window is at most half the history known, so a short history (a 30-day demo) still trains.
maturity as (
    select least(cast(:maturity_days as int),
                 floor(extract(epoch from ((select at from snapshot) - min(all_txns.occurred_at))) / 86400 / 2)::int
           ) as days
    from all_txns
),

population as (
    select all_txns.txn_id, all_txns.occurred_at, coalesce(labels.is_fraud, false) as is_fraud
    from all_txns
    left join labels on labels.txn_id = all_txns.txn_id
    where labels.txn_id is not null or cast(:population as boolean)
),

mature as (
    select population.*
    from population
    where not cast(:population as boolean)
        or population.occurred_at <= (select at from snapshot) - make_interval(days => (select days from maturity))
),

rate as (
    select case when cast(:population as boolean)
                then least(1.0, cast(:genuine_target as float8) / greatest(1, count(*) filter (where not is_fraud)))
                else 1.0 end as genuine
    from mature
),

examples as (
    select
        mature.txn_id as key,
        mature.occurred_at as as_of,
        mature.is_fraud as label,
        true as is_known_txn,
        case when mature.is_fraud then 1.0 else (select genuine from rate) end as sample_rate,
        (select days from maturity) as maturity_days
    from mature
    where mature.is_fraud
        or (abs(hashtext(mature.txn_id)::bigint) % 1000000) < (select genuine from rate) * 1000000
    union all
    select labels.txn_id, null, labels.is_fraud, false, 1.0, null
    from labels
    where not exists (select 1 from all_txns where all_txns.txn_id = labels.txn_id)
)

select * from examples
order by as_of nulls first, key
