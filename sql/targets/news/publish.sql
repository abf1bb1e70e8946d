-- Every staged article signal of the date into risk.news_signals.
insert into risk.news_signals (score_date, article_id, published_at, companies, sentiment, negative_prob, model_version, run_id)
with staged as (
    select * from risk_stage.news_signals where run_id = any(:run_ids)
)
select score_date, article_id, published_at, coalesce(companies, '[]'::jsonb), sentiment, negative_prob, model_version, run_id
from staged
