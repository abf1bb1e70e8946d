-- Before releasing fraud labels whose transaction has arrived: a label dated before its
-- transaction fails label_before_transaction, which validation could not check while the
-- transaction was missing. Such labels gain that entry, so the release leaves them quarantined.
with waiting as (
    select q.row_id, q.row_key, q.raw_row
    from quality.quarantine q
    where q.table_name = 'staging.fraud_labels'
      and q.expectation = 'unexpected_rows_expectation(transaction_known)'
),

failing as (
    select w.*
    from waiting w
    where exists (
        select 1 from staging.clean_transactions t
        where t.txn_id = w.raw_row ->> 'txn_id'
          and cast(w.raw_row ->> 'labeled_at' as timestamptz) < t.occurred_at
    )
),

quarantined as (
    insert into quality.quarantine (run_id, table_name, row_id, row_key, raw_row, expectation, reason)
    select :run_id, 'staging.fraud_labels', f.row_id, f.row_key, f.raw_row,
        'unexpected_rows_expectation(label_before_transaction)', 'labeled_at is before the transaction occurred'
    from failing f
    on conflict (table_name, row_id, expectation) do nothing
    returning row_id
)

select count(*) as new_rows from quarantined
