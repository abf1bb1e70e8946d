-- Quarantine the run date's staged customer versions that fail a row-level expectation (labels as
-- in finrisk/quality/rules.py; already-quarantined rows are skipped). Returns new rows per label.
with batch as (
    select c.*
    from staging.customers c
    where c.ingest_date = :run_date
      and c.row_id <= :max_row_id  -- the batch as validation found it (later rows wait for the next run)
),

-- materialized: with stale statistics (today's batch unseen, estimated at 1 row) the planner would re-run
-- every check once per batch row inside a nested loop; a materialized CTE is computed once
failures as materialized (
    select row_id, 'expect_column_values_to_not_be_null(customer_id)' as expectation, 'customer_id is null' as reason
    from batch where customer_id is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(updated_at)', 'updated_at is null'
    from batch where updated_at is null
    union all
    select row_id, 'expect_compound_columns_to_be_unique(customer_id,updated_at)', 'customer version repeats an earlier staged version (a re-delivery; the first stays)'
    from batch b
    where exists (
        select 1 from staging.customers e
        where e.customer_id = b.customer_id and e.updated_at = b.updated_at and e.row_id < b.row_id
    )
    union all
    select row_id, 'expect_column_values_to_be_between(updated_at)', 'updated_at is after the end of the run date or absurdly old'
    from batch where updated_at >= :cutoff_at or updated_at < :min_event_at
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(notes)', 'notes is longer than max_text_chars'
    from batch where char_length(notes) > :max_text_chars
    union all
    select row_id, 'unexpected_rows_expectation(profile_is_object)', 'profile is not a JSON object'
    from batch where jsonb_typeof(profile) is distinct from 'object'
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(customer_id)', 'customer_id is empty or longer than max_key_chars'
    from batch where char_length(customer_id) not between 1 and :max_key_chars
    union all
    select row_id, 'expect_column_values_to_not_match_regex(customer_id)', 'customer_id has leading or trailing whitespace'
    from batch where customer_id ~ :padded
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(segment)', 'segment is longer than max_name_chars'
    from batch where char_length(segment) > :max_name_chars
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(company)', 'company is longer than max_name_chars'
    from batch where char_length(company) > :max_name_chars
    union all
    select row_id, 'unexpected_rows_expectation(profile_depth)', 'profile is nested deeper than max_json_depth'
    from batch where jsonb_path_exists(profile, cast(:depth_path as jsonpath))
    union all
    select row_id, 'unexpected_rows_expectation(profile_numbers)', 'profile holds a number beyond +-1e300 (unreadable as a float)'
    from batch where jsonb_path_exists(profile, 'strict $.** ? (@.type() == "number" && (@ >= 1e300 || @ <= -1e300))')
    union all
    -- size limits: measured here, so an oversized profile is never read into Python
    select row_id, 'unexpected_rows_expectation(profile_bytes)', 'profile is larger than max_profile_bytes'
    from batch where octet_length(profile::text) > :max_profile_bytes
    union all
    select row_id, 'unexpected_rows_expectation(profile_keys)', 'profile holds more than max_profile_keys keys'
    from batch
    where (select count(*) from jsonb_path_query(profile, 'strict $.** ? (@.type() == "object").keyvalue()'))
        > :max_profile_keys
    union all
    select row_id, 'unexpected_rows_expectation(profile_values)', 'profile holds a value longer than max_profile_value_chars'
    from batch b
    where exists (
        select 1 from jsonb_path_query(b.profile, 'strict $.** ? (@.type() == "string")') v
        where char_length(jsonb_build_array(v) ->> 0) > :max_profile_value_chars
    )
    union all
    select row_id, 'expect_column_values_to_be_between(closed_at)', 'closed_at is after the end of the run date or absurdly old'
    from batch where closed_at >= :cutoff_at or closed_at < :min_event_at
),

quarantined as (
    insert into quality.quarantine (run_id, table_name, row_id, row_key, raw_row, expectation, reason)
    select :run_id, 'staging.customers', b.row_id, concat_ws('|', b.customer_id, b.updated_at), to_jsonb(b),
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
