-- Customers to score on a date: every customer with a clean version known before the end of the date.
with active as (
    select distinct c.customer_id as key
    from staging.clean_customers c
    where c.updated_at < :as_of and c.known_at <= :as_of
)

select active.key, cast(:as_of as timestamptz) as as_of
from active
where mod(abs(hashtext(active.key)), :shard_n) = :shard_i
order by active.key
