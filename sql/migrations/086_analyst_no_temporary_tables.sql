-- finrisk_analyst reads risk.* and creates nothing, temporary tables included (issue 20, defect 3).
-- TEMPORARY on a database is granted to PUBLIC by default, and a role cannot be denied what PUBLIC
-- has, so it is revoked from PUBLIC and granted back to the role applying the migrations. finrisk's
-- steps create no temporary tables; a role other than this one that needs them is granted
-- TEMPORARY by name. Database privileges live outside the database: a copy made with CREATE
-- DATABASE ... TEMPLATE starts with PostgreSQL's defaults again (README, the analyst role).

do $$
begin
    execute format('revoke temporary on database %I from public', current_database());
    execute format('grant temporary on database %I to %I', current_database(), current_user);
end $$;
