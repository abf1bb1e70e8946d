-- Any text length upstream sends must ingest. A btree index entry must fit in a third of a
-- page (2704 bytes), so one 3 KB merchant or company stopped a whole table's ingest. Every
-- btree index on a text column of staging becomes a hash index (it stores a 4-byte hash, so
-- any length fits, and plain `=` lookups and joins keep using it); time ranges keep their
-- own btree. Over-long values are then quarantined by validation (max_key_chars,
-- max_name_chars), not refused by the database.
--
-- The unique (customer_id, updated_at) constraint goes too: a re-delivered customer version
-- with changed content is now staged and quarantined ("repeats an earlier staged version")
-- instead of being skipped with no trace; ingest's anti-join still stages a version once.

alter table staging.customers drop constraint customers_customer_id_updated_at_key;
drop index staging.customers_customer_id_updated_at_idx;
drop index staging.customers_company_idx;
create index customers_customer_id_hash_idx on staging.customers using hash (customer_id);
create index customers_updated_at_idx on staging.customers (updated_at);
create index customers_company_hash_idx on staging.customers using hash (company);

drop index staging.credit_outcomes_customer_id_idx;
create index credit_outcomes_customer_id_hash_idx on staging.credit_outcomes using hash (customer_id);

drop index staging.transactions_customer_id_occurred_at_idx;
drop index staging.transactions_txn_id_idx;
drop index staging.transactions_merchant_occurred_at_idx;
create index transactions_customer_id_hash_idx on staging.transactions using hash (customer_id);
create index transactions_txn_id_hash_idx on staging.transactions using hash (txn_id);
create index transactions_merchant_hash_idx on staging.transactions using hash (merchant);

drop index staging.fraud_labels_txn_id_idx;
create index fraud_labels_txn_id_hash_idx on staging.fraud_labels using hash (txn_id);

drop index staging.news_articles_article_id_idx;
create index news_articles_article_id_hash_idx on staging.news_articles using hash (article_id);

drop index staging.news_labels_article_id_idx;
create index news_labels_article_id_hash_idx on staging.news_labels using hash (article_id);

-- Quiet days: the volume check learns daily volumes and must leave out a table's first,
-- backlog load (everything before the first run date, not one day's volume). Ingest marks
-- the load that found the staging table empty; existing databases mark each table's first date.
alter table ops.ingest_watermarks add column is_backlog boolean not null default false;

update ops.ingest_watermarks w
set is_backlog = true
from (
    select table_name, min(run_date) as run_date
    from ops.ingest_watermarks
    where rows_loaded > 0
    group by table_name
) first_load
where w.table_name = first_load.table_name and w.run_date = first_load.run_date;

comment on column ops.ingest_watermarks.is_backlog is 'This date''s load found the staging table empty: the backlog of history, not a day''s volume.';
