-- Ingested batches up to the score date that hold rows no passed validation run has covered: a
-- batch never validated (validation killed or failed), or rows ingested after the date's validation.
-- Scoring refuses while any exists (finrisk/scoring/validated.py). One index probe per batch.
with batches as (
    select w.table_name, w.run_date as ingest_date, coalesce(v.max_row_id, 0) as max_row_id
    from ops.ingest_watermarks w
    left join quality.validated_batches v
        on v.table_name = 'staging.' || w.table_name and v.ingest_date = w.run_date
    where w.run_date <= :run_date
      and w.rows_loaded > 0
),

unvalidated as (
    select 'staging.customers' as table_name, b.ingest_date, (
        select count(*) from staging.customers s where s.ingest_date = b.ingest_date and s.row_id > b.max_row_id
    ) as unvalidated_rows
    from batches b where b.table_name = 'customers'
    union all
    select 'staging.credit_outcomes' as table_name, b.ingest_date, (
        select count(*) from staging.credit_outcomes s where s.ingest_date = b.ingest_date and s.row_id > b.max_row_id
    ) as unvalidated_rows
    from batches b where b.table_name = 'credit_outcomes'
    union all
    select 'staging.transactions' as table_name, b.ingest_date, (
        select count(*) from staging.transactions s where s.ingest_date = b.ingest_date and s.row_id > b.max_row_id
    ) as unvalidated_rows
    from batches b where b.table_name = 'transactions'
    union all
    select 'staging.fraud_labels' as table_name, b.ingest_date, (
        select count(*) from staging.fraud_labels s where s.ingest_date = b.ingest_date and s.row_id > b.max_row_id
    ) as unvalidated_rows
    from batches b where b.table_name = 'fraud_labels'
    union all
    select 'staging.news_articles' as table_name, b.ingest_date, (
        select count(*) from staging.news_articles s where s.ingest_date = b.ingest_date and s.row_id > b.max_row_id
    ) as unvalidated_rows
    from batches b where b.table_name = 'news_articles'
    union all
    select 'staging.news_labels' as table_name, b.ingest_date, (
        select count(*) from staging.news_labels s where s.ingest_date = b.ingest_date and s.row_id > b.max_row_id
    ) as unvalidated_rows
    from batches b where b.table_name = 'news_labels'
)

select * from unvalidated where unvalidated_rows > 0 order by ingest_date, table_name
