-- Active customers on a date, as the audit counts them: a clean version known before the end of the date.
-- Same definition as sql/features/credit_scoring_examples.sql, counted independently.
with active as (
    select distinct c.customer_id
    from staging.clean_customers c
    where c.updated_at < :as_of and c.known_at < :as_of
)

select count(*) as active_customers from active
