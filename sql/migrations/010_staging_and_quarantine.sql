-- Staging: one table per source table, every version ingest has seen, with load metadata.
-- known_at is the point-in-time availability of a row (docs/CONTRACTS.md): its event time
-- when it arrived on time, the end of the ingest run date when it arrived late.

create table staging.customers (
    row_id bigint generated always as identity primary key,
    customer_id text,
    updated_at timestamptz,
    segment text,
    company text,
    profile jsonb,
    notes text,
    ingest_date date not null,
    loaded_at timestamptz not null default now(),
    known_at timestamptz not null,
    unique (customer_id, updated_at)
);
create index on staging.customers (customer_id, updated_at);
create index on staging.customers (company);

create table staging.credit_outcomes (
    row_id bigint generated always as identity primary key,
    customer_id text,
    snapshot_date date,
    defaulted boolean,
    ingest_date date not null,
    loaded_at timestamptz not null default now(),
    known_at timestamptz not null
);
create index on staging.credit_outcomes (snapshot_date);
create index on staging.credit_outcomes (customer_id);

create table staging.transactions (
    row_id bigint generated always as identity primary key,
    txn_id text,
    customer_id text,
    occurred_at timestamptz,
    amount numeric,
    currency text,
    merchant text,
    description text,
    channel text,
    country text,
    ingest_date date not null,
    loaded_at timestamptz not null default now(),
    known_at timestamptz not null
);
create index on staging.transactions (customer_id, occurred_at);
create index on staging.transactions (occurred_at);
create index on staging.transactions (txn_id);
create index on staging.transactions (merchant, occurred_at);

create table staging.fraud_labels (
    row_id bigint generated always as identity primary key,
    txn_id text,
    is_fraud boolean,
    labeled_at timestamptz,
    ingest_date date not null,
    loaded_at timestamptz not null default now(),
    known_at timestamptz not null
);
create index on staging.fraud_labels (txn_id);
create index on staging.fraud_labels (labeled_at);

create table staging.news_articles (
    row_id bigint generated always as identity primary key,
    article_id text,
    published_at timestamptz,
    source text,
    headline text,
    body text,
    companies jsonb,
    ingest_date date not null,
    loaded_at timestamptz not null default now(),
    known_at timestamptz not null
);
create index on staging.news_articles (article_id);
create index on staging.news_articles (published_at);
create index on staging.news_articles using gin (companies jsonb_path_ops);

create table staging.news_labels (
    row_id bigint generated always as identity primary key,
    article_id text,
    sentiment text,
    ingest_date date not null,
    loaded_at timestamptz not null default now(),
    known_at timestamptz not null
);
create index on staging.news_labels (article_id);

-- Quarantine: a staged row that failed a row-level expectation, with the raw row and why.
create table quality.quarantine (
    quarantine_id bigint generated always as identity primary key,
    run_id text not null,
    table_name text not null,
    row_id bigint not null,
    row_key text,
    raw_row jsonb not null,
    expectation text not null,
    reason text not null,
    quarantined_at timestamptz not null default now()
);
create index on quality.quarantine (table_name, row_id);
create index on quality.quarantine (run_id);

-- Clean views: staged rows with no quarantine entry. Models and scoring read only these.
create view staging.clean_customers as
with clean as (
    select c.*
    from staging.customers c
    where not exists (
        select 1 from quality.quarantine q
        where q.table_name = 'staging.customers' and q.row_id = c.row_id
    )
)
select
    clean.*,
    clean.updated_at as valid_from,
    lead(clean.updated_at) over (partition by clean.customer_id order by clean.updated_at) as valid_to
from clean;

create view staging.clean_credit_outcomes as
select o.* from staging.credit_outcomes o
where not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.credit_outcomes' and q.row_id = o.row_id
);

create view staging.clean_transactions as
select t.* from staging.transactions t
where not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.transactions' and q.row_id = t.row_id
);

create view staging.clean_fraud_labels as
select l.* from staging.fraud_labels l
where not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.fraud_labels' and q.row_id = l.row_id
);

create view staging.clean_news_articles as
select a.* from staging.news_articles a
where not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.news_articles' and q.row_id = a.row_id
);

create view staging.clean_news_labels as
select l.* from staging.news_labels l
where not exists (
    select 1 from quality.quarantine q where q.table_name = 'staging.news_labels' and q.row_id = l.row_id
);
