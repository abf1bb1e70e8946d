-- Quarantine the run date's staged news articles that fail a row-level expectation (labels as in
-- finrisk/quality/rules.py; already-quarantined rows are skipped). Returns new rows per label.
with batch as (
    select a.*
    from staging.news_articles a
    where a.ingest_date = :run_date
      and a.row_id <= :max_row_id  -- the batch as validation found it (later rows wait for the next run)
),

-- materialized: with stale statistics (today's batch unseen, estimated at 1 row) the planner would re-run
-- every check once per batch row inside a nested loop; a materialized CTE is computed once
failures as materialized (
    select row_id, 'expect_column_values_to_not_be_null(article_id)' as expectation, 'article_id is null' as reason
    from batch where article_id is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(published_at)', 'published_at is null'
    from batch where published_at is null
    union all
    select row_id, 'expect_column_values_to_be_unique(article_id)', 'article_id repeats an earlier staged article (a re-delivery; the first stays)'
    from batch b
    where exists (select 1 from staging.news_articles e where e.article_id = b.article_id and e.row_id < b.row_id)
    union all
    select row_id, 'expect_column_values_to_be_between(published_at)', 'published_at is after the end of the run date or absurdly old'
    from batch where published_at >= :cutoff_at or published_at < :min_event_at
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(headline)', 'headline is empty or longer than max_text_chars'
    from batch where char_length(headline) not between 1 and :max_text_chars
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(body)', 'body is longer than max_text_chars'
    from batch where char_length(body) > :max_text_chars
    union all
    select row_id, 'unexpected_rows_expectation(companies_is_array)', 'companies is not a JSON array'
    from batch where jsonb_typeof(companies) is distinct from 'array'
    union all
    select row_id, 'expect_column_values_to_not_be_null(headline)', 'headline is null'
    from batch where headline is null
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(article_id)', 'article_id is empty or longer than max_key_chars'
    from batch where char_length(article_id) not between 1 and :max_key_chars
    union all
    select row_id, 'expect_column_values_to_not_match_regex(article_id)', 'article_id has leading or trailing whitespace'
    from batch where article_id ~ :padded
    union all
    select row_id, 'expect_column_value_lengths_to_be_between(source)', 'source is longer than max_name_chars'
    from batch where char_length(source) > :max_name_chars
    union all
    select row_id, 'expect_column_values_to_not_match_regex(headline)', 'headline is blank'
    from batch where headline ~ :blank
    union all
    select row_id, 'unexpected_rows_expectation(companies_are_strings)', 'companies holds a non-string element'
    from batch
    where jsonb_typeof(companies) = 'array'
      and exists (select 1 from jsonb_array_elements(companies) e where jsonb_typeof(e) <> 'string')
),

quarantined as (
    insert into quality.quarantine (run_id, table_name, row_id, row_key, raw_row, expectation, reason)
    select :run_id, 'staging.news_articles', b.row_id, b.article_id, to_jsonb(b), f.expectation, f.reason
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
