-- A promotion is written down before the alias moves, so a failure on either side leaves
-- no silent half-state: the row is 'pending' while MLflow's aliases move, 'done' once they
-- have, and 'failed' when they did not (reconciled from MLflow by the next promotion).
-- Rows written before this migration were written after their alias moved: 'done'.
alter table ops.model_promotions
    add column status text not null default 'done' check (status in ('pending', 'done', 'failed')),
    add column completed_at timestamptz;

update ops.model_promotions set completed_at = promoted_at where completed_at is null;

create index model_promotions_pending_idx on ops.model_promotions (model) where status = 'pending';

comment on column ops.model_promotions.status is 'pending: recorded, aliases moving; done: MLflow shows the decision; failed: the aliases did not move.';
comment on column ops.model_promotions.completed_at is 'When the row became done or failed.';
