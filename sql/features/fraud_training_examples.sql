-- Labelled fraud examples: one row per labelled transaction (its latest clean label).
-- is_known_txn is false for a label whose transaction was never staged.
-- :known_by is the training run's cutoff (null: everything staged): labels and transactions known later are not read.
with labels as (
    select distinct on (l.txn_id) l.txn_id, l.is_fraud
    from staging.clean_fraud_labels l
    where l.txn_id is not null and l.is_fraud is not null
        and (cast(:known_by as timestamptz) is null or l.known_at <= cast(:known_by as timestamptz))
    order by l.txn_id, l.labeled_at desc, l.row_id desc
),

txns as (
    select distinct on (t.txn_id) t.txn_id, t.occurred_at
    from staging.clean_transactions t
    where t.txn_id in (select txn_id from labels)
        and (cast(:known_by as timestamptz) is null or t.known_at <= cast(:known_by as timestamptz))
    order by t.txn_id, t.known_at desc, t.row_id desc
),

examples as (
    select
        labels.txn_id as key,
        txns.occurred_at as as_of,
        labels.is_fraud as label,
        txns.txn_id is not null as is_known_txn
    from labels
    left join txns on txns.txn_id = labels.txn_id
)

select * from examples
order by as_of nulls first, key
