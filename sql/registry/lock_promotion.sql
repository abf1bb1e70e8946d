-- Hold one audit row while its aliases move, so a reconciler skips an in-flight promotion.
select promotion_id
from ops.model_promotions
where promotion_id = :promotion_id
for update
