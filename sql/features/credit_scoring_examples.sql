-- Customers to score on a date: every customer whose latest clean version known before the end of the
-- date is open. A closed customer (its latest version has closed_at before the end of the date; migration
-- 090) is not scored from the night its closing version is known; its earlier versions stay for history.
with latest as (
    select distinct on (c.customer_id) c.customer_id, c.row_id
    from staging.clean_customers c
    where c.updated_at < :as_of and c.known_at <= :as_of
    order by c.customer_id, c.updated_at desc
),

active as (
    select latest.customer_id as key
    from latest
    join staging.customers s on s.row_id = latest.row_id
    where s.closed_at is null or s.closed_at >= :as_of
)

select active.key, cast(:as_of as timestamptz) as as_of
from active
where mod(abs(hashtext(active.key)), :shard_n) = :shard_i
order by active.key
