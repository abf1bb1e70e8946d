-- Active customers on a date, as the audit counts them: the latest clean version known before the end
-- of the date is open (closed_at null or not before the end of the date; migration 090).
-- Same definition as sql/features/credit_scoring_examples.sql, counted independently (a late version is
-- known at the end of its ingest date, so known_at <= :as_of, as scoring reads it).
with latest as (
    select distinct on (c.customer_id) c.customer_id, c.row_id
    from staging.clean_customers c
    where c.updated_at < :as_of and c.known_at <= :as_of
    order by c.customer_id, c.updated_at desc
),

active as (
    select latest.customer_id
    from latest
    join staging.customers s on s.row_id = latest.row_id
    where s.closed_at is null or s.closed_at >= :as_of
)

select count(*) as active_customers from active
