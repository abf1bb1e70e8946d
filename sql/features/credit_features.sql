-- Point-in-time credit features for a batch of (customer, as_of) pairs given as two arrays.
-- Every row read satisfies event time < as_of and known_at <= as_of.
with examples as (
    select e.key, e.as_of, e.ord
    from unnest(cast(:keys as text[]), cast(:as_ofs as timestamptz[])) with ordinality as e(key, as_of, ord)
),

versions as (
    select examples.ord, v.segment, v.company, v.profile, v.notes, v.updated_at
    from examples
    left join lateral (
        select c.segment, c.company, c.profile, c.notes, c.updated_at
        from staging.clean_customers c
        where c.customer_id = examples.key and c.updated_at < examples.as_of and c.known_at <= examples.as_of
        order by c.updated_at desc
        limit 1
    ) v on true
),

history as (
    select examples.ord, t.occurred_at, t.amount, t.merchant, t.channel, t.country, t.description, examples.as_of
    from examples
    join staging.clean_transactions t
        on t.customer_id = examples.key
        and t.occurred_at < examples.as_of
        and t.known_at <= examples.as_of
        and t.occurred_at >= examples.as_of - interval '180 days'
),

home as (
    select distinct on (ord) ord, country as home_country
    from history
    where country is not null
    group by ord, country
    order by ord, count(*) desc, country
),

windows as (
    select
        history.ord,
        count(*) filter (where occurred_at >= as_of - interval '30 days') as txn_count_30d,
        coalesce(sum(amount) filter (where occurred_at >= as_of - interval '30 days'), 0) as txn_amount_30d,
        count(*) filter (where occurred_at >= as_of - interval '90 days') as txn_count_90d,
        coalesce(sum(amount) filter (where occurred_at >= as_of - interval '90 days'), 0) as txn_amount_90d,
        count(*) as txn_count_180d,
        count(*) filter (where occurred_at >= as_of - interval '14 days') as txn_count_14d,
        count(*) filter (where history.channel = 'atm') as atm_count_180d,
        count(*) filter (where history.description ilike '%fee%') as fee_count_180d,
        coalesce(max(amount), 0) as txn_max_amount_180d,
        count(distinct merchant) as merchant_count_180d,
        avg(case when history.country is distinct from home.home_country then 1.0 else 0.0 end) as abroad_share_180d
    from history
    left join home on home.ord = history.ord
    group by history.ord
),

channels as (
    select ord, jsonb_object_agg(channel, share order by channel) as channel_shares
    from (
        select ord, coalesce(channel, 'unknown') as channel,
               round(count(*)::numeric / sum(count(*)) over (partition by ord), 2) as share
        from history
        group by ord, coalesce(channel, 'unknown')
    ) s
    group by ord
),

merchants as (
    select ord, jsonb_agg(merchant order by spend desc, merchant) as top_merchants
    from (
        select ord, merchant, sum(amount) as spend,
               row_number() over (partition by ord order by sum(amount) desc, merchant) as rn
        from history
        where merchant is not null
        group by ord, merchant
    ) m
    where rn <= 3
    group by ord
),

news as (
    select
        versions.ord,
        count(a.article_id) as news_count_90d,
        count(a.article_id) filter (where a.is_negative) as news_negative_90d,
        jsonb_agg(a.headline order by a.published_at desc) filter (where a.article_id is not null) as headlines
    from versions
    join examples on examples.ord = versions.ord
    left join lateral (
        select n.article_id, n.headline, n.published_at,
            exists (
                select 1 from staging.clean_news_labels l
                where l.article_id = n.article_id and lower(l.sentiment) = 'negative' and l.known_at <= examples.as_of
            ) as is_negative
        from staging.clean_news_articles n
        where versions.company is not null
            and n.companies ? versions.company
            and n.published_at < examples.as_of
            and n.known_at <= examples.as_of
            and n.published_at >= examples.as_of - interval '90 days'
        order by n.published_at desc
        limit 20
    ) a on true
    group by versions.ord
),

features as (
    select
        examples.ord,
        examples.key,
        examples.as_of,
        versions.updated_at is not null as has_profile,
        versions.segment,
        versions.company,
        versions.profile,
        versions.notes,
        coalesce(windows.txn_count_30d, 0) as txn_count_30d,
        coalesce(windows.txn_amount_30d, 0)::float8 as txn_amount_30d,
        coalesce(windows.txn_count_90d, 0) as txn_count_90d,
        coalesce(windows.txn_amount_90d, 0)::float8 as txn_amount_90d,
        coalesce(windows.txn_count_180d, 0) as txn_count_180d,
        coalesce(windows.txn_max_amount_180d, 0)::float8 as txn_max_amount_180d,
        coalesce(windows.merchant_count_180d, 0) as merchant_count_180d,
        coalesce(windows.abroad_share_180d, 0)::float8 as abroad_share_180d,
        coalesce(windows.txn_count_14d, 0) as txn_count_14d,
        coalesce(windows.atm_count_180d, 0) as atm_count_180d,
        coalesce(windows.fee_count_180d, 0) as fee_count_180d,
        channels.channel_shares,
        merchants.top_merchants,
        coalesce(news.news_count_90d, 0) as news_count_90d,
        coalesce(news.news_negative_90d, 0) as news_negative_90d,
        news.headlines
    from examples
    left join versions on versions.ord = examples.ord
    left join windows on windows.ord = examples.ord
    left join channels on channels.ord = examples.ord
    left join merchants on merchants.ord = examples.ord
    left join news on news.ord = examples.ord
)

select * from features
order by ord
