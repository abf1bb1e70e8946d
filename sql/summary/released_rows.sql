-- Quarantined rows that the run date's validation released to clean (their parent arrived; no other reason holds them), per table.
with released as (
    select r.table_name, count(distinct r.row_id) as rows_released
    from quality.quarantine_releases r
    where r.run_date = :run_date
      and not exists (select 1 from quality.quarantine q where q.table_name = r.table_name and q.row_id = r.row_id)
    group by r.table_name
)

select * from released order by table_name
