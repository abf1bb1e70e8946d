-- Point-in-time fraud features for a batch of transactions given as an array of txn_ids.
-- Windows are computed as of each transaction's own occurred_at: only rows with
-- event time < occurred_at and known_at <= occurred_at are read.
with examples as (
    select e.key, e.ord
    from unnest(cast(:keys as text[])) with ordinality as e(key, ord)
),

txn as (
    select examples.ord, t.*
    from examples
    join lateral (
        select t.txn_id, t.customer_id, t.occurred_at, t.amount::float8 as amount, t.currency,
               t.merchant, t.description, t.channel, t.country
        from staging.clean_transactions t
        where t.txn_id = examples.key
        order by t.known_at desc, t.row_id desc
        limit 1
    ) t on true
),

customer_windows as (
    select
        txn.ord,
        count(*) filter (where p.occurred_at >= txn.occurred_at - interval '1 day') as cust_count_1d,
        coalesce(sum(p.amount) filter (where p.occurred_at >= txn.occurred_at - interval '1 day'), 0)::float8 as cust_amount_1d,
        count(*) filter (where p.occurred_at >= txn.occurred_at - interval '7 days') as cust_count_7d,
        coalesce(sum(p.amount) filter (where p.occurred_at >= txn.occurred_at - interval '7 days'), 0)::float8 as cust_amount_7d,
        count(p.txn_id) as cust_count_30d,
        coalesce(sum(p.amount), 0)::float8 as cust_amount_30d
    from txn
    left join staging.clean_transactions p
        on p.customer_id = txn.customer_id
        and p.occurred_at < txn.occurred_at
        and p.known_at <= txn.occurred_at
        and p.occurred_at >= txn.occurred_at - interval '30 days'
    group by txn.ord
),

novelty as (
    select
        txn.ord,
        not exists (
            select 1 from staging.clean_transactions p
            where p.customer_id = txn.customer_id and p.merchant = txn.merchant
                and p.occurred_at < txn.occurred_at and p.known_at <= txn.occurred_at
        ) as is_new_merchant,
        not exists (
            select 1 from staging.clean_transactions p
            where p.customer_id = txn.customer_id and p.country = txn.country
                and p.occurred_at < txn.occurred_at and p.known_at <= txn.occurred_at
        ) as is_new_country
    from txn
),

-- Labels reached through their transaction's merchant: driven from the labels (a few per cent of
-- the transactions), so a batch reads each label once instead of every transaction of its merchants.
merchant_labels as (
    select m.merchant, m.occurred_at, m.known_at as txn_known_at,
           l.txn_id as label_txn_id, l.is_fraud, l.labeled_at, l.known_at as label_known_at
    from staging.clean_fraud_labels l
    join staging.clean_transactions m on m.txn_id = l.txn_id
    where l.labeled_at < (select max(txn.occurred_at) from txn)
        and m.occurred_at >= (select min(txn.occurred_at) from txn) - interval '90 days'
),

merchant_fraud as (
    select
        txn.ord,
        count(ml.label_txn_id) as merchant_labels_90d,
        count(ml.label_txn_id) filter (where ml.is_fraud) as merchant_frauds_90d
    from txn
    left join merchant_labels ml
        on ml.merchant = txn.merchant
        and ml.occurred_at < txn.occurred_at
        and ml.txn_known_at <= txn.occurred_at
        and ml.occurred_at >= txn.occurred_at - interval '90 days'
        and ml.labeled_at < txn.occurred_at
        and ml.label_known_at <= txn.occurred_at
    group by txn.ord
),

customer as (
    select txn.ord, v.segment, v.profile
    from txn
    left join lateral (
        select c.segment, c.profile
        from staging.clean_customers c
        where c.customer_id = txn.customer_id and c.updated_at < txn.occurred_at and c.known_at <= txn.occurred_at
        order by c.updated_at desc
        limit 1
    ) v on true
),

features as (
    select
        txn.ord,
        txn.txn_id as key,
        txn.customer_id,
        txn.occurred_at,
        txn.amount,
        txn.currency,
        txn.merchant,
        txn.description,
        txn.channel,
        txn.country,
        customer_windows.cust_count_1d,
        customer_windows.cust_amount_1d,
        customer_windows.cust_count_7d,
        customer_windows.cust_amount_7d,
        customer_windows.cust_count_30d,
        customer_windows.cust_amount_30d,
        novelty.is_new_merchant,
        novelty.is_new_country,
        merchant_fraud.merchant_labels_90d,
        merchant_fraud.merchant_frauds_90d,
        customer.segment,
        customer.profile
    from txn
    join customer_windows on customer_windows.ord = txn.ord
    join novelty on novelty.ord = txn.ord
    join merchant_fraud on merchant_fraud.ord = txn.ord
    join customer on customer.ord = txn.ord
)

select * from features
order by ord
