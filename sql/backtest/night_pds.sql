-- The PDs published on :score_date, with the version that scored them.
select credit_model_version as model_version, pd_12m
from risk.risk_scores
where score_date = :score_date
