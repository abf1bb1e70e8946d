-- The score dates with published credit scores in [:period_start, :period_end], in order.
select distinct score_date
from risk.risk_scores
where score_date between :period_start and :period_end
order by score_date
