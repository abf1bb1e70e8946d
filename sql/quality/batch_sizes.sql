-- Rows staged for a run date, per staging table: GX finds no batch for a table with none.
with sizes as (
    select 'customers' as table_name, count(*) as batch_rows from staging.customers where ingest_date = :run_date
    union all
    select 'credit_outcomes', count(*) from staging.credit_outcomes where ingest_date = :run_date
    union all
    select 'transactions', count(*) from staging.transactions where ingest_date = :run_date
    union all
    select 'fraud_labels', count(*) from staging.fraud_labels where ingest_date = :run_date
    union all
    select 'news_articles', count(*) from staging.news_articles where ingest_date = :run_date
    union all
    select 'news_labels', count(*) from staging.news_labels where ingest_date = :run_date
)

select * from sizes
