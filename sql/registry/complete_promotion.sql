-- Close an audit row once MLflow shows (done) or does not show (failed) its decision.
update ops.model_promotions
set status = :status, completed_at = now()
where promotion_id = :promotion_id and status = 'pending'
