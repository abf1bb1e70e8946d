-- Every row still quarantined as of the run date (ingested up to it), per staging table and reason,
-- by age: days from the row's ingest date to the run date, in bands. A row held for two reasons
-- counts under each.
with held as (
    select
        q.table_name,
        q.expectation,
        q.reason,
        q.row_id,
        cast(:run_date as date) - cast(q.raw_row ->> 'ingest_date' as date) as age_days
    from quality.quarantine q
    where cast(q.raw_row ->> 'ingest_date' as date) <= :run_date
),

banded as (
    select
        h.*,
        case
            when h.age_days <= 1 then '0-1 days'
            when h.age_days <= 7 then '2-7 days'
            when h.age_days <= 30 then '8-30 days'
            else 'over 30 days'
        end as age_band,
        case when h.age_days <= 1 then 1 when h.age_days <= 7 then 2 when h.age_days <= 30 then 3 else 4 end
            as band_order
    from held h
),

summary as (
    select table_name, expectation, min(reason) as reason, age_band, min(band_order) as band_order,
        count(distinct row_id) as rows_quarantined, max(age_days) as oldest_age_days
    from banded
    group by table_name, expectation, age_band
)

select * from summary order by table_name, expectation, band_order
