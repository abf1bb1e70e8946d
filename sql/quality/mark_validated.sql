-- A passed validation run covered the table's batch of the run date up to max_row_id: those rows
-- are validated (clean unless quarantined). A later run of the date only ever raises the mark.
insert into quality.validated_batches as v (table_name, ingest_date, max_row_id, run_id, validated_at)
values (:table_name, :run_date, :max_row_id, :run_id, clock_timestamp())
on conflict (table_name, ingest_date) do update set
    max_row_id = greatest(v.max_row_id, excluded.max_row_id),
    run_id = case when excluded.max_row_id >= v.max_row_id then excluded.run_id else v.run_id end,
    validated_at = excluded.validated_at
