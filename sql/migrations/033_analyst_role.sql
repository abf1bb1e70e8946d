-- finrisk_analyst: read-only on the published risk schema, nothing on source, staging,
-- quality, ops or risk_stage (which hold profiles and notes). Roles are cluster-wide and
-- several databases share a server, so creation is idempotent and race-safe; grants are
-- per database and repeat harmlessly.

do $$
begin
    if not exists (select 1 from pg_roles where rolname = 'finrisk_analyst') then
        create role finrisk_analyst nologin;
    end if;
exception when duplicate_object or unique_violation then
    null;  -- another database's migration created it at the same moment
end $$;

grant usage on schema risk to finrisk_analyst;
grant select on all tables in schema risk to finrisk_analyst;
alter default privileges in schema risk grant select on tables to finrisk_analyst;

revoke all on all tables in schema source, staging, quality, ops, risk_stage from finrisk_analyst;
revoke all on schema source, staging, quality, ops, risk_stage from finrisk_analyst;
