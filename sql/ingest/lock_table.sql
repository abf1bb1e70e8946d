-- Serialise concurrent ingests of one table for the rest of the transaction.
select pg_advisory_xact_lock(hashtext('finrisk.ingest.' || :table_name))
