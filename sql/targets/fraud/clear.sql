-- Staged fraud rows of the given runs (:run_ids), or of the whole date when :run_ids is null.
delete from risk_stage.transaction_scores s
where (cast(:run_ids as text[]) is null and s.score_date = :score_date)
   or s.run_id = any(cast(:run_ids as text[]))
