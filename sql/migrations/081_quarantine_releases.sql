-- Quarantine releases (issue 20, defect 6). A row quarantined only because the row it points at
-- was not staged yet (a transaction or credit outcome of an unknown customer, a fraud label of an
-- unknown transaction, a news label of an unknown article) is re-checked by every passed
-- validation run; once its parent has a clean row the entry is released: deleted from
-- quality.quarantine, with one audit row here. A row with no entry left is clean again.

create table quality.quarantine_releases (
    release_id bigint generated always as identity primary key,
    quarantine_id bigint not null,
    table_name text not null,
    row_id bigint not null,
    row_key text,
    expectation text not null,
    reason text not null,
    quarantine_run_id text not null,
    quarantined_at timestamptz not null,
    run_id text not null,
    run_date date not null,
    released_reason text not null,
    released_at timestamptz not null default now()
);
create index on quality.quarantine_releases (table_name, row_id);
create index on quality.quarantine_releases (run_date);

comment on table quality.quarantine_releases is 'Audit of quarantine entries released once the row they point at arrived clean: the entry as it was, the validation run (run_id, run_date) that released it, and why.';

-- The release looks up the parent key a quarantined row holds.
create index quarantine_expectation_idx on quality.quarantine (expectation, table_name);

-- Every row still quarantined: one line per row, with its reasons and age (days since its ingest
-- date, as of today; the morning summary computes the same as of its run date).
create view quality.quarantined_rows as
with entries as (
    select
        q.table_name,
        q.row_id,
        min(q.row_key) as row_key,
        cast(min(q.raw_row ->> 'ingest_date') as date) as ingest_date,
        min(q.quarantined_at) as quarantined_at,
        array_agg(q.expectation order by q.expectation) as expectations,
        string_agg(q.reason, '; ' order by q.expectation) as reasons
    from quality.quarantine q
    group by q.table_name, q.row_id
)

select entries.*, current_date - entries.ingest_date as age_days from entries;

-- Rows still quarantined per table, expectation and age band, with the oldest ingest date.
create view quality.quarantine_by_age as
with entries as (
    select
        q.table_name,
        q.expectation,
        q.reason,
        q.row_id,
        current_date - cast(q.raw_row ->> 'ingest_date' as date) as age_days
    from quality.quarantine q
),

banded as (
    select
        e.*,
        case
            when e.age_days <= 1 then '0-1 days'
            when e.age_days <= 7 then '2-7 days'
            when e.age_days <= 30 then '8-30 days'
            else 'over 30 days'
        end as age_band
    from entries e
),

summary as (
    select table_name, expectation, min(reason) as reason, age_band, count(distinct row_id) as rows_quarantined,
        max(age_days) as oldest_age_days
    from banded
    group by table_name, expectation, age_band
)

select * from summary;
