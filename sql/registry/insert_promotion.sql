-- One audit row for a gate decision or a manual promotion.
insert into ops.model_promotions (model, version, previous_version, decision, reasons, actor)
values (:model, :version, :previous_version, :decision, cast(:reasons as jsonb), :actor)
returning promotion_id
