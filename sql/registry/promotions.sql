-- The promotion audit of one model, newest first.
select promotion_id, model, version, previous_version, decision, reasons, actor, promoted_at, status, completed_at,
    reason, gate_verdict, trained_by, is_fairness_override
from ops.model_promotions
where model = :model
order by promoted_at desc, promotion_id desc
