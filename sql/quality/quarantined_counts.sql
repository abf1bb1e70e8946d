-- Rows of one staging table's batch for a run date that sit in quarantine, per expectation and in all.
with batch_quarantine as (
    select q.row_id, q.expectation
    from quality.quarantine q
    where q.table_name = :table_name
      and q.raw_row ->> 'ingest_date' = cast(:run_date as text)
),

per_expectation as (
    select expectation, count(*) as quarantined_rows
    from batch_quarantine
    group by expectation
    union all
    select '*', count(distinct row_id)
    from batch_quarantine
)

select * from per_expectation
