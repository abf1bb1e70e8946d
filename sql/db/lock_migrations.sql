-- The migrations lock: upgrades and repairs of one warehouse run one at a time. A table lock that
-- conflicts with itself; only a role that may write ops.schema_migrations can take it.
lock table ops.schema_migrations in share row exclusive mode
