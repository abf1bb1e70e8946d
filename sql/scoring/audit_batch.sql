-- Audit of the staged batches of a date, before anything is published: one row of counts.
with credit as (
    select * from risk_stage.credit_scores where run_id = any(:run_ids)
),
txns as (
    select * from risk_stage.transaction_scores where run_id = any(:run_ids)
),
articles as (
    select * from risk_stage.news_signals where run_id = any(:run_ids)
),
checks as (
    select
        (select count(*) from credit) as customers,
        (select count(distinct customer_id) from credit) as distinct_customers,
        (select count(*) from credit where customer_id is null) as null_customer_ids,
        (select count(*) from credit where pd_12m is null or not (pd_12m between 0 and 1)) as bad_pds,
        (select count(*) from credit where risk_band is null or score_points is null) as missing_bands,
        (select count(*) from txns) as transactions,
        (select count(distinct txn_id) from txns) as distinct_transactions,
        (select count(*) from txns where txn_id is null) as null_txn_ids,
        (select count(*) from txns where fraud_prob is null or not (fraud_prob between 0 and 1)) as bad_fraud_probs,
        (select count(*) from articles) as articles,
        (select count(distinct article_id) from articles) as distinct_articles,
        (select count(*) from articles where article_id is null) as null_article_ids,
        (select count(*) from articles where negative_prob is null or not (negative_prob between 0 and 1)) as bad_news_probs
)

select * from checks
