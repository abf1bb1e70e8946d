-- Quarantine the run date's staged credit outcomes that fail a row-level expectation (labels as
-- in finrisk/quality/rules.py; already-quarantined rows are skipped). Returns new rows per label.
with batch as (
    select o.*
    from staging.credit_outcomes o
    where o.ingest_date = :run_date
      and o.row_id <= :max_row_id  -- the batch as validation found it (later rows wait for the next run)
),

-- materialized: with stale statistics (today's batch unseen, estimated at 1 row) the planner would re-run
-- every check once per batch row inside a nested loop; a materialized CTE is computed once
failures as materialized (
    select row_id, 'expect_column_values_to_not_be_null(customer_id)' as expectation, 'customer_id is null' as reason
    from batch where customer_id is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(snapshot_date)', 'snapshot_date is null'
    from batch where snapshot_date is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(defaulted)', 'defaulted is null'
    from batch where defaulted is null
    union all
    select row_id, 'expect_compound_columns_to_be_unique(customer_id,snapshot_date)', 'outcome repeats an earlier staged outcome for the customer and snapshot'
    from batch b
    where exists (
        select 1 from staging.credit_outcomes e
        where e.customer_id = b.customer_id and e.snapshot_date = b.snapshot_date and e.row_id < b.row_id
    )
    union all
    select row_id, 'expect_column_values_to_be_between(snapshot_date)', 'snapshot_date is after the run date or absurdly old'
    from batch where snapshot_date > :run_date or snapshot_date < cast(:min_event_at as date)
    union all
    select row_id, 'unexpected_rows_expectation(customer_known)', 'customer_id is not a staged customer'
    from batch b
    where b.customer_id is not null
      and not exists (select 1 from staging.customers c where c.customer_id = b.customer_id)
    union all
    select row_id, 'unexpected_rows_expectation(customer_clean)', 'customer is quarantined (no clean version)'
    from batch b
    where exists (select 1 from staging.customers c where c.customer_id = b.customer_id)
      and not exists (select 1 from staging.customers c where c.customer_id = b.customer_id and not exists (select 1 from quality.quarantine q where q.table_name = 'staging.customers' and q.row_id = c.row_id))
    union all
    select row_id, 'unexpected_rows_expectation(outcome_conflict)', 'outcome conflicts with another outcome for the customer and snapshot date'
    from batch b
    where exists (
        select 1 from staging.credit_outcomes e
        where e.customer_id = b.customer_id and e.snapshot_date = b.snapshot_date
          and e.defaulted is distinct from b.defaulted
          and (e.ingest_date = b.ingest_date or e.row_id < b.row_id)
    )
),

quarantined as (
    insert into quality.quarantine (run_id, table_name, row_id, row_key, raw_row, expectation, reason)
    select :run_id, 'staging.credit_outcomes', b.row_id, concat_ws('|', b.customer_id, b.snapshot_date), to_jsonb(b),
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
