-- Rows staged for a run date, per staging table, and the highest row_id among them: validation
-- covers the batch up to that row (GX finds no batch for a table with none). Read under the ingest
-- locks, so no ingest of the date is half-committed below it.
with sizes as (
    select 'customers' as table_name, count(*) as batch_rows, max(row_id) as max_row_id
    from staging.customers where ingest_date = :run_date
    union all
    select 'credit_outcomes', count(*), max(row_id) from staging.credit_outcomes where ingest_date = :run_date
    union all
    select 'transactions', count(*), max(row_id) from staging.transactions where ingest_date = :run_date
    union all
    select 'fraud_labels', count(*), max(row_id) from staging.fraud_labels where ingest_date = :run_date
    union all
    select 'news_articles', count(*), max(row_id) from staging.news_articles where ingest_date = :run_date
    union all
    select 'news_labels', count(*), max(row_id) from staging.news_labels where ingest_date = :run_date
)

select * from sizes
