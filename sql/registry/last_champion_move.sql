-- The latest finished audit row of one model that put a version at @champion, or said the alias moved outside finrisk.
with moves as (
    select promotion_id, version, decision, actor, promoted_at
    from ops.model_promotions
    where model = :model and status = 'done' and decision in ('promoted', 'manual', 'approved', 'alias_moved')
)
select * from moves
order by promotion_id desc
limit 1
