-- Count-and-report checks of the run date's staged transactions: rows that stay clean (fraud
-- scoring must still see the card activity) but that an analyst should know about.
with batch as (
    select t.*
    from staging.transactions t
    where t.ingest_date = :run_date
      and not exists (
          select 1 from quality.quarantine q
          where q.table_name = 'staging.transactions' and q.row_id = t.row_id
      )
),

customer_quarantined as (
    select count(*) as reported_rows
    from batch b
    where exists (select 1 from staging.customers c where c.customer_id = b.customer_id)
      and not exists (select 1 from staging.customers c where c.customer_id = b.customer_id and not exists (select 1 from quality.quarantine q where q.table_name = 'staging.customers' and q.row_id = c.row_id))
),

reported as (
    select 'customer_quarantined' as check_name, reported_rows,
        'clean transactions of customers with no clean version (scored without a profile)' as reason
    from customer_quarantined
)

select * from reported
