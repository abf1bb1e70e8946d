-- Move articles not yet staged (natural key article_id) with published_at before the run's cutoff
-- into staging. An article older than the previous cutoff arrived late.
with previous as (
    select max(cutoff_at) as cutoff_at
    from ops.ingest_watermarks
    where table_name = 'news_articles'
),

arrived as (
    select s.*
    from source.news_articles s
    where (s.published_at < :cutoff_at or s.published_at is null)
      and not exists (
          select 1
          from staging.news_articles a
          where a.article_id = s.article_id
      )
),

stamped as (
    select
        a.article_id,
        a.published_at,
        a.source,
        a.headline,
        a.body,
        a.companies,
        case
            when a.published_at is null then :cutoff_at
            when a.published_at < previous.cutoff_at then greatest(:cutoff_at, previous.cutoff_at)
            else a.published_at
        end as known_at
    from arrived a
    cross join previous
),

moved as (
    insert into staging.news_articles (article_id, published_at, source, headline, body, companies, ingest_date, known_at)
    select article_id, published_at, source, headline, body, companies, :run_date, known_at
    from stamped
    returning known_at
),

summary as (
    select
        count(*) as rows_loaded,
        count(*) filter (where known_at >= :cutoff_at) as late_rows,
        max(known_at) filter (where known_at < :cutoff_at) as high_water
    from moved
)

select * from summary
