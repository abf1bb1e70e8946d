-- Which of the source-contract tables do not exist yet (demo data needs all six).
with wanted as (
    select unnest(cast(:tables as text[])) as table_name
)
select table_name from wanted
where to_regclass(table_name) is null
order by table_name
