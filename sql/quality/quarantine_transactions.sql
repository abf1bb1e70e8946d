-- Quarantine the run date's staged transactions that fail a row-level expectation. The labels
-- are those of finrisk/quality/rules.py; a row already quarantined under a label is skipped, so a
-- re-run adds nothing. Returns the rows newly quarantined per label.
with batch as (
    select t.*
    from staging.transactions t
    where t.ingest_date = :run_date
      and t.row_id <= :max_row_id  -- the batch as validation found it (later rows wait for the next run)
),

-- materialized: with stale statistics (today's batch unseen, estimated at 1 row) the planner would re-run
-- every check once per batch row inside a nested loop; a materialized CTE is computed once
failures as materialized (
    select row_id, 'expect_column_values_to_not_be_null(txn_id)' as expectation, 'txn_id is null' as reason
    from batch where txn_id is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(customer_id)', 'customer_id is null'
    from batch where customer_id is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(occurred_at)', 'occurred_at is null'
    from batch where occurred_at is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(amount)', 'amount is null'
    from batch where amount is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(currency)', 'currency is null'
    from batch where currency is null
    union all
    select row_id, 'expect_column_values_to_be_unique(txn_id)', 'txn_id repeats an earlier staged transaction (a re-delivery; the first stays)'
    from batch b
    where exists (select 1 from staging.transactions e where e.txn_id = b.txn_id and e.row_id < b.row_id)
    union all
    select row_id, 'expect_column_values_to_be_between(amount)', 'amount is below min_amount or above max_amount'
    from batch where amount < :min_amount or amount > :max_amount
    union all
    select row_id, 'expect_column_values_to_be_in_set(currency)', 'currency is not an accepted ISO 4217 code'
    from batch where currency <> all(:currencies)
    union all
    select row_id, 'expect_column_values_to_be_in_set(country)', 'country is not an ISO 3166 alpha-2 code'
    from batch where country <> all(:countries)
    union all
    select row_id, 'expect_column_values_to_be_between(occurred_at)', 'occurred_at is after the end of the run date or absurdly old'
    from batch where occurred_at >= :cutoff_at or occurred_at < :min_event_at
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(description)', 'description is longer than max_text_chars'
    from batch where char_length(description) > :max_text_chars
    union all
    select row_id, 'unexpected_rows_expectation(customer_known)', 'customer_id is not a staged customer'
    from batch b
    where b.customer_id is not null
      and not exists (select 1 from staging.customers c where c.customer_id = b.customer_id)
    union all
    select row_id, 'expect_column_values_to_not_be_null(country)', 'country is null'
    from batch where country is null
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(txn_id)', 'txn_id is empty or longer than max_key_chars'
    from batch where char_length(txn_id) not between 1 and :max_key_chars
    union all
    select row_id, 'expect_column_values_to_not_match_regex(txn_id)', 'txn_id has leading or trailing whitespace'
    from batch where txn_id ~ :padded
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(merchant)', 'merchant is longer than max_name_chars'
    from batch where char_length(merchant) > :max_name_chars
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(channel)', 'channel is longer than max_name_chars'
    from batch where char_length(channel) > :max_name_chars
),

quarantined as (
    insert into quality.quarantine (run_id, table_name, row_id, row_key, raw_row, expectation, reason)
    select :run_id, 'staging.transactions', b.row_id, b.txn_id, to_jsonb(b), f.expectation, f.reason
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
