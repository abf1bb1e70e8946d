-- What an upstream delete means (README "The source-data contract"): a customer relationship
-- ends when upstream writes a new version of its source.customers row (a later updated_at)
-- with closed_at set to when it ended. From the night that version is known, the customer is
-- no longer scored (sql/features/credit_scoring_examples.sql reads the latest version known by
-- the end of the date). Nothing is deleted here: staging keeps every version, so a training
-- snapshot dated before the closure still reads the customer as it was then. A later version
-- with closed_at null reopens the relationship.
--
-- Hard-deleting a row from source.customers means nothing: ingest only ever moves new
-- versions, so a missing row neither closes the customer nor removes its history; it is
-- scored from its last staged version as before. Upstream must write the closing version.
--
-- Nullable, so a feed that never closes customers (and the demo loader) works unchanged.

alter table source.customers add column closed_at timestamptz null;
alter table staging.customers add column closed_at timestamptz null;

comment on column source.customers.closed_at is
    'When the customer relationship ended, set in a new version of the row (later updated_at); null: open. A closed customer is not scored from the night its closing version is known; deleting the row instead means nothing to finrisk.';
comment on column staging.customers.closed_at is
    'As in source.customers: when the relationship ended, as this version says (null: open).';
