-- Labelled credit examples: one row per (customer, snapshot_date), the latest clean label row.
-- as_of is midnight UTC of the snapshot date: features only see what happened and was known before it.
-- :known_by is the training run's cutoff (the end of its run date, or null for everything staged):
-- only labels and customers known by then are read, so a backfill trains on what was known that night.
with outcomes as (
    select distinct on (o.customer_id, o.snapshot_date)
        o.customer_id,
        o.snapshot_date,
        o.defaulted
    from staging.clean_credit_outcomes o
    where o.defaulted is not null and o.customer_id is not null and o.snapshot_date is not null
        and (cast(:known_by as timestamptz) is null or o.known_at <= cast(:known_by as timestamptz))
    order by o.customer_id, o.snapshot_date, o.known_at desc, o.row_id desc
),

known as (
    select distinct customer_id from staging.clean_customers
    where cast(:known_by as timestamptz) is null or known_at <= cast(:known_by as timestamptz)
),

examples as (
    select
        outcomes.customer_id as key,
        outcomes.snapshot_date,
        (outcomes.snapshot_date::timestamp at time zone 'UTC') as as_of,
        outcomes.defaulted as label,
        known.customer_id is not null as is_known_customer
    from outcomes
    left join known on known.customer_id = outcomes.customer_id
)

select * from examples
order by snapshot_date, key
