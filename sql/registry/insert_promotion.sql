-- One audit row for a gate decision or a manual promotion, written 'pending' before MLflow changes.
insert into ops.model_promotions (model, version, previous_version, decision, reasons, actor, status)
values (:model, :version, :previous_version, :decision, cast(:reasons as jsonb), :actor, 'pending')
returning promotion_id
