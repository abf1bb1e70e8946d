-- Quarantine the run date's staged news labels that fail a row-level expectation (labels as in
-- finrisk/quality/rules.py; already-quarantined rows are skipped). Returns new rows per label.
with batch as (
    select l.*
    from staging.news_labels l
    where l.ingest_date = :run_date
      and l.row_id <= :max_row_id  -- the batch as validation found it (later rows wait for the next run)
),

-- materialized: with stale statistics (today's batch unseen, estimated at 1 row) the planner would re-run
-- every check once per batch row inside a nested loop; a materialized CTE is computed once
failures as materialized (
    select row_id, 'expect_column_values_to_not_be_null(article_id)' as expectation, 'article_id is null' as reason
    from batch where article_id is null
    union all
    select row_id, 'expect_column_values_to_not_be_null(sentiment)', 'sentiment is null'
    from batch where sentiment is null
    union all
    select row_id, 'expect_column_values_to_be_unique(article_id)', 'article already has an earlier staged label'
    from batch b
    where exists (select 1 from staging.news_labels e where e.article_id = b.article_id and e.row_id < b.row_id)
    union all
    select row_id, 'expect_column_values_to_be_in_set(sentiment)', 'sentiment is not negative, neutral or positive'
    from batch where sentiment <> all(:sentiments)
    union all
    select row_id, 'unexpected_rows_expectation(article_known)', 'article_id is not a staged article'
    from batch b
    where b.article_id is not null
      and not exists (select 1 from staging.news_articles a where a.article_id = b.article_id)
    union all
    select row_id, 'unexpected_rows_expectation(article_clean)', 'article is quarantined'
    from batch b
    where exists (select 1 from staging.news_articles a where a.article_id = b.article_id)
      -- not the clean view: this run's own batch of articles is validated but not yet marked
      and not exists (select 1 from staging.news_articles a where a.article_id = b.article_id and not exists (select 1 from quality.quarantine q where q.table_name = 'staging.news_articles' and q.row_id = a.row_id))
),

quarantined as (
    insert into quality.quarantine (run_id, table_name, row_id, row_key, raw_row, expectation, reason)
    select :run_id, 'staging.news_labels', b.row_id, b.article_id, to_jsonb(b), f.expectation, f.reason
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
