-- The five schemas and the source-data contract that upstream systems write.
-- These names and columns are a contract: later parts, tests and users rely on them.

create schema if not exists source;
create schema if not exists staging;
create schema if not exists quality;
create schema if not exists risk;
create schema if not exists ops;

create table source.customers (
    customer_id text primary key,
    updated_at timestamptz not null,
    segment text,
    company text null,
    profile jsonb not null,
    notes text null
);

create table source.credit_outcomes (
    customer_id text,
    snapshot_date date,
    defaulted boolean
);

create table source.transactions (
    txn_id text primary key,
    customer_id text,
    occurred_at timestamptz,
    amount numeric,
    currency text,
    merchant text,
    description text,
    channel text,
    country text
);

create table source.fraud_labels (
    txn_id text,
    is_fraud boolean,
    labeled_at timestamptz
);

create table source.news_articles (
    article_id text primary key,
    published_at timestamptz,
    source text,
    headline text,
    body text,
    companies jsonb
);

create table source.news_labels (
    article_id text,
    sentiment text
);

comment on table source.customers is 'Upstream customer master: one row per customer, latest version; profile holds bank-specific attributes.';
comment on table source.credit_outcomes is 'Whether the customer defaulted within 12 months after snapshot_date.';
comment on table source.transactions is 'Card transactions as booked upstream.';
comment on table source.fraud_labels is 'Confirmed fraud investigations, labeled_at is when the outcome became known.';
comment on table source.news_articles is 'Financial news; companies is a JSON array of company names.';
comment on table source.news_labels is 'Sentiment labels: negative, neutral or positive.';
