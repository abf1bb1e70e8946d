-- About how many records a night for :run_date scores: customers staged so far, plus the date's
-- transactions and articles (the quick start's progress bar total; an estimate, not a contract).
with customers as (
    select count(distinct customer_id) as n from staging.customers
),

transactions as (
    select count(*) as n from staging.transactions where occurred_at::date = :run_date
),

articles as (
    select count(*) as n from staging.news_articles where published_at::date = :run_date
),

total as (
    select customers.n + transactions.n + articles.n as expected_records
    from customers, transactions, articles
)

select * from total
