-- Quarantine the run date's staged fraud labels that fail a row-level expectation (labels as in
-- finrisk/quality/rules.py; already-quarantined rows are skipped). Returns new rows per label.
with batch as (
    select l.*
    from staging.fraud_labels l
    where l.ingest_date = :run_date
      and l.row_id <= :max_row_id  -- the batch as validation found it (later rows wait for the next run)
),

-- materialized: with stale statistics (today's batch unseen, estimated at 1 row) the planner would re-run
-- every check once per batch row inside a nested loop; a materialized CTE is computed once
failures as materialized (
    select row_id, 'expect_column_values_to_not_be_null(txn_id)' as expectation, 'txn_id is null' as reason
    from batch where txn_id is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(is_fraud)', 'is_fraud is null'
    from batch where is_fraud is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(labeled_at)', 'labeled_at is null'
    from batch where labeled_at is null
    union all
    select row_id, 'expect_compound_columns_to_be_unique(txn_id,labeled_at)', 'label repeats an earlier staged label for the transaction and time'
    from batch b
    where exists (
        select 1 from staging.fraud_labels e
        where e.txn_id = b.txn_id and e.labeled_at = b.labeled_at and e.row_id < b.row_id
    )
    union all
    select row_id, 'expect_column_values_to_be_between(labeled_at)', 'labeled_at is after the end of the run date or absurdly old'
    from batch where labeled_at >= :cutoff_at or labeled_at < :min_event_at
    union all
    select row_id, 'unexpected_rows_expectation(transaction_known)', 'txn_id is not a staged transaction'
    from batch b
    where b.txn_id is not null
      and not exists (select 1 from staging.transactions t where t.txn_id = b.txn_id)
    union all
    select row_id, 'unexpected_rows_expectation(transaction_clean)', 'transaction is quarantined'
    from batch b
    where exists (select 1 from staging.transactions t where t.txn_id = b.txn_id)
      -- not the clean view: this run's own batch of transactions is validated but not yet marked
      and not exists (select 1 from staging.transactions t where t.txn_id = b.txn_id and not exists (select 1 from quality.quarantine q where q.table_name = 'staging.transactions' and q.row_id = t.row_id))
    union all
    select row_id, 'unexpected_rows_expectation(label_conflict)', 'label conflicts with another verdict for the transaction at the same time'
    from batch b
    where exists (
        select 1 from staging.fraud_labels e
        where e.txn_id = b.txn_id and e.labeled_at = b.labeled_at
          and e.is_fraud is distinct from b.is_fraud
          and (e.ingest_date = b.ingest_date or e.row_id < b.row_id)
    )
    union all
    select row_id, 'unexpected_rows_expectation(label_before_transaction)', 'labeled_at is before the transaction occurred'
    from batch b
    where exists (select 1 from staging.transactions t where t.txn_id = b.txn_id and b.labeled_at < t.occurred_at)
),

quarantined as (
    insert into quality.quarantine (run_id, table_name, row_id, row_key, raw_row, expectation, reason)
    select :run_id, 'staging.fraud_labels', b.row_id, concat_ws('|', b.txn_id, b.labeled_at), to_jsonb(b),
        f.expectation, f.reason
    from failures f
    join batch b on b.row_id = f.row_id
    on conflict (table_name, row_id, expectation) do nothing
    returning expectation
),

summary as (
    select expectation, count(*) as new_rows
    from quarantined
    group by expectation
)

select * from summary
