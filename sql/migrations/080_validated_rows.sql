-- A row is clean only once a validation run has passed it (issue 20, defect 1). Before, the clean
-- views were "staged minus quarantined": a row ingested after its date's validation, or a batch
-- whose validation was killed, read as clean and reached scoring unseen.
--
-- quality.validated_batches records, per staging table and ingest date, the highest row_id that a
-- passed validation run covered (row ids only grow, and validation reads the batch under the
-- ingest lock, so every row of the batch at or below it was seen). The clean views now require
-- that mark and no quarantine entry.

create table quality.validated_batches (
    table_name text not null,
    ingest_date date not null,
    max_row_id bigint not null,
    run_id text not null,
    validated_at timestamptz not null default now(),
    primary key (table_name, ingest_date)
);

comment on table quality.validated_batches is 'Per staging table and ingest date: the highest row_id a passed validation run covered. Rows above it (ingested after the run) or of dates with no entry are unvalidated and not clean.';

-- Finding a batch's rows above its mark is an index probe, not a scan.
create index on staging.customers (ingest_date, row_id);
create index on staging.credit_outcomes (ingest_date, row_id);
create index on staging.transactions (ingest_date, row_id);
create index on staging.fraud_labels (ingest_date, row_id);
create index on staging.news_articles (ingest_date, row_id);
create index on staging.news_labels (ingest_date, row_id);

-- Existing warehouses: a batch whose date has a passed validation run (every table recorded, no
-- batch failure) is validated up to the rows loaded before that run started.
with passed as (
    select v.run_id, v.run_date, max(v.started_at) as started_at
    from quality.validation_runs v
    group by v.run_id, v.run_date
    having count(distinct v.table_name) >= 6 and count(*) filter (where v.batch_failure is not null) = 0
),

covered as (
    select 'staging.customers' as table_name, p.run_id, p.run_date, max(s.row_id) as max_row_id
    from passed p join staging.customers s on s.ingest_date = p.run_date and s.loaded_at <= p.started_at
    group by p.run_id, p.run_date
    union all
    select 'staging.credit_outcomes', p.run_id, p.run_date, max(s.row_id)
    from passed p join staging.credit_outcomes s on s.ingest_date = p.run_date and s.loaded_at <= p.started_at
    group by p.run_id, p.run_date
    union all
    select 'staging.transactions', p.run_id, p.run_date, max(s.row_id)
    from passed p join staging.transactions s on s.ingest_date = p.run_date and s.loaded_at <= p.started_at
    group by p.run_id, p.run_date
    union all
    select 'staging.fraud_labels', p.run_id, p.run_date, max(s.row_id)
    from passed p join staging.fraud_labels s on s.ingest_date = p.run_date and s.loaded_at <= p.started_at
    group by p.run_id, p.run_date
    union all
    select 'staging.news_articles', p.run_id, p.run_date, max(s.row_id)
    from passed p join staging.news_articles s on s.ingest_date = p.run_date and s.loaded_at <= p.started_at
    group by p.run_id, p.run_date
    union all
    select 'staging.news_labels', p.run_id, p.run_date, max(s.row_id)
    from passed p join staging.news_labels s on s.ingest_date = p.run_date and s.loaded_at <= p.started_at
    group by p.run_id, p.run_date
),

best as (
    select distinct on (table_name, run_date) table_name, run_date, max_row_id, run_id
    from covered
    order by table_name, run_date, max_row_id desc
)

insert into quality.validated_batches (table_name, ingest_date, max_row_id, run_id)
select table_name, run_date, max_row_id, run_id from best;

-- Clean views: validated (at or below the batch's mark) and not quarantined.
create or replace view staging.clean_customers as
with clean as (
    select c.*
    from staging.customers c
    where exists (
        select 1 from quality.validated_batches v
        where v.table_name = 'staging.customers' and v.ingest_date = c.ingest_date and c.row_id <= v.max_row_id
    )
    and not exists (
        select 1 from quality.quarantine q
        where q.table_name = 'staging.customers' and q.row_id = c.row_id
    )
)
select
    clean.*,
    clean.updated_at as valid_from,
    lead(clean.updated_at) over (partition by clean.customer_id order by clean.updated_at) as valid_to
from clean;

create or replace view staging.clean_credit_outcomes as
select o.* from staging.credit_outcomes o
where exists (
    select 1 from quality.validated_batches v
    where v.table_name = 'staging.credit_outcomes' and v.ingest_date = o.ingest_date and o.row_id <= v.max_row_id
)
and not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.credit_outcomes' and q.row_id = o.row_id
);

create or replace view staging.clean_transactions as
select t.* from staging.transactions t
where exists (
    select 1 from quality.validated_batches v
    where v.table_name = 'staging.transactions' and v.ingest_date = t.ingest_date and t.row_id <= v.max_row_id
)
and not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.transactions' and q.row_id = t.row_id
);

create or replace view staging.clean_fraud_labels as
select l.* from staging.fraud_labels l
where exists (
    select 1 from quality.validated_batches v
    where v.table_name = 'staging.fraud_labels' and v.ingest_date = l.ingest_date and l.row_id <= v.max_row_id
)
and not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.fraud_labels' and q.row_id = l.row_id
);

create or replace view staging.clean_news_articles as
select a.* from staging.news_articles a
where exists (
    select 1 from quality.validated_batches v
    where v.table_name = 'staging.news_articles' and v.ingest_date = a.ingest_date and a.row_id <= v.max_row_id
)
and not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.news_articles' and q.row_id = a.row_id
);

create or replace view staging.clean_news_labels as
select l.* from staging.news_labels l
where exists (
    select 1 from quality.validated_batches v
    where v.table_name = 'staging.news_labels' and v.ingest_date = l.ingest_date and l.row_id <= v.max_row_id
)
and not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.news_labels' and q.row_id = l.row_id
);
