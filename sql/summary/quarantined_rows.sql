-- Rows of the run date's ingested batches that sit in quarantine, per staging table.
with quarantined as (
    select q.table_name, count(distinct q.row_id) as rows_quarantined
    from quality.quarantine q
    where q.raw_row ->> 'ingest_date' = cast(:run_date as text)
    group by q.table_name
)

select * from quarantined order by table_name
