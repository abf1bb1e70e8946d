-- Pending audit rows of one model that no promotion in flight holds, oldest first.
select promotion_id, model, version, previous_version, decision
from ops.model_promotions
where model = :model and status = 'pending'
order by promotion_id
for update skip locked
