-- Move articles not yet staged (natural key article_id) with published_at before the run's cutoff
-- into staging. An article older than the previous cutoff arrived late. A re-delivered article
-- with the same article_id but changed content is staged too (validation quarantines it as a
-- repeat, so it is seen, not skipped); an identical one is not. A row dated +infinity would
-- wait forever: it is staged now (known at the cutoff) and quarantined.
with previous as (
    select max(cutoff_at) as cutoff_at
    from ops.ingest_watermarks
    where table_name = 'news_articles'
),

arrived as (
    select s.*
    from source.news_articles s
    where (s.published_at < :cutoff_at or s.published_at is null or not isfinite(s.published_at))
      and not exists (
          select 1
          from staging.news_articles a
          where a.article_id = s.article_id
            and (a.published_at, a.source, a.headline, a.body, a.companies)
                is not distinct from (s.published_at, s.source, s.headline, s.body, s.companies)
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
        exists (select 1 from staging.news_articles e where e.article_id = a.article_id) as is_redelivery,
        case
            when a.published_at is null or not isfinite(a.published_at) then :cutoff_at
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

redelivered as (
    select count(*) filter (where is_redelivery) as redelivered_rows
    from stamped
),

summary as (
    select
        count(*) as rows_loaded,
        count(*) filter (where known_at >= :cutoff_at) as late_rows,
        max(known_at) filter (where known_at < :cutoff_at) as high_water,
        (select redelivered_rows from redelivered) as redelivered_rows,
        count(*) > 0 and not exists (select 1 from staging.news_articles) as is_backlog
    from moved
)

select * from summary
