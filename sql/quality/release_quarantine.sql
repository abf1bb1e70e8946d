-- Release quarantine entries whose only fault was a parent not staged yet, now that the parent
-- has a clean row (validated, not quarantined): a transaction or credit outcome of an unknown
-- customer, a fraud label of an unknown transaction, a news label of an unknown article. Each
-- released entry is deleted with one audit row in quality.quarantine_releases; a row with no entry
-- left is clean from now on. Returns, per table, entries released and rows now clean.
with waiting as materialized (
    select q.*
    from quality.quarantine q
    where q.expectation in (
        'unexpected_rows_expectation(customer_known)',
        'unexpected_rows_expectation(transaction_known)',
        'unexpected_rows_expectation(article_known)'
    )
),

resolved as materialized (
    select w.*, 'the customer it points at now has a clean version' as released_reason
    from waiting w
    where w.expectation = 'unexpected_rows_expectation(customer_known)'
      and w.table_name in ('staging.transactions', 'staging.credit_outcomes')
      and exists (
          select 1 from staging.customers c
          where c.customer_id = w.raw_row ->> 'customer_id'
            and exists (
                select 1 from quality.validated_batches v
                where v.table_name = 'staging.customers' and v.ingest_date = c.ingest_date
                  and c.row_id <= v.max_row_id
            )
            and not exists (
                select 1 from quality.quarantine q where q.table_name = 'staging.customers' and q.row_id = c.row_id
            )
      )
    union all
    select w.*, 'the transaction it points at is now staged and clean'
    from waiting w
    where w.expectation = 'unexpected_rows_expectation(transaction_known)'
      and w.table_name = 'staging.fraud_labels'
      and exists (select 1 from staging.clean_transactions t where t.txn_id = w.raw_row ->> 'txn_id')
    union all
    select w.*, 'the article it points at is now staged and clean'
    from waiting w
    where w.expectation = 'unexpected_rows_expectation(article_known)'
      and w.table_name = 'staging.news_labels'
      and exists (select 1 from staging.clean_news_articles a where a.article_id = w.raw_row ->> 'article_id')
),

released as (
    delete from quality.quarantine q
    using resolved r
    where q.quarantine_id = r.quarantine_id
    returning q.quarantine_id
),

audit as (
    insert into quality.quarantine_releases (
        quarantine_id, table_name, row_id, row_key, expectation, reason, quarantine_run_id, quarantined_at,
        run_id, run_date, released_reason
    )
    select r.quarantine_id, r.table_name, r.row_id, r.row_key, r.expectation, r.reason, r.run_id, r.quarantined_at,
        :run_id, :run_date, r.released_reason
    from resolved r
    join released d on d.quarantine_id = r.quarantine_id
    returning table_name, row_id
),

summary as (
    select
        a.table_name,
        count(*) as released_entries,
        -- the statement sees quarantine as it was: entries other than the released ones still hold the row
        count(distinct a.row_id) filter (where not exists (
            select 1 from quality.quarantine q
            where q.table_name = a.table_name and q.row_id = a.row_id
              and q.quarantine_id not in (select quarantine_id from resolved)
        )) as released_rows
    from audit a
    group by a.table_name
)

select * from summary order by table_name
