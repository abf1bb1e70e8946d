-- Four-eyes promotion (issue 23). A version that passes the gate waits ('awaiting_approval') until
-- someone other than its trainer approves it ('approved': `finrisk approve MODEL VERSION --reason ...`,
-- or the Airflow approval task); an @champion alias moved outside finrisk (the MLflow UI or REST API)
-- is recorded by the next night as 'alias_moved' (actor: who finrisk could not tell) and not scored
-- until approved. Every row now says in words why (reason), what the gate said (gate_verdict), who
-- trained the version (trained_by), and whether a person overrode a fairness breach.
alter table ops.model_promotions drop constraint if exists model_promotions_decision_check;
alter table ops.model_promotions
    add constraint model_promotions_decision_check check (
        decision in ('promoted', 'challenger', 'rejected', 'manual', 'awaiting_approval', 'approved', 'alias_moved')
    ),
    add column reason text,
    add column gate_verdict text,
    add column trained_by text,
    add column is_fairness_override boolean not null default false;

create index model_promotions_model_decision_idx on ops.model_promotions (model, decision, promotion_id);

comment on column ops.model_promotions.reason is 'The reason the person gave (finrisk approve --reason, finrisk promote --reason); null for the gate.';
comment on column ops.model_promotions.gate_verdict is 'The gate''s decision on the version when this row was written (the version''s gate_decision tag).';
comment on column ops.model_promotions.trained_by is 'Who trained the version (its trained_by tag): an approval by the same identity is refused.';
comment on column ops.model_promotions.is_fairness_override is 'True when a person promoted a version the fairness breach alone kept back, with a reason.';
