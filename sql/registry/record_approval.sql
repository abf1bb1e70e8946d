-- The person's reason, the gate's verdict, the trainer and the fairness override on one audit row.
update ops.model_promotions
set reason = :reason, gate_verdict = :gate_verdict, trained_by = :trained_by, is_fairness_override = :is_fairness_override
where promotion_id = :promotion_id
