-- Every customer's published band on one score date.
select customer_id, risk_band
from risk.risk_scores
where score_date = :score_date
