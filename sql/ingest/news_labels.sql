-- Move sentiment labels not yet staged into staging; the natural key is the full row (`except all`
-- keeps duplicates and treats nulls as equal). A label has no event time of its own: it is its
-- article's published_at, so a label waits until its article is in scope. A label whose article
-- is unknown (or undated) is staged at once, stamped with the end of the run date, so that
-- validation can quarantine it rather than lose it.
with previous as (
    select max(cutoff_at) as cutoff_at
    from ops.ingest_watermarks
    where table_name = 'news_labels'
),

dated as (
    select l.article_id, l.sentiment, a.published_at as event_at
    from source.news_labels l
    left join source.news_articles a on a.article_id = l.article_id
),

arrived as (
    select d.article_id, d.sentiment
    from dated d
    where d.event_at < :cutoff_at or d.event_at is null or not isfinite(d.event_at)
    except all
    select n.article_id, n.sentiment
    from staging.news_labels n
),

stamped as (
    select
        r.article_id,
        r.sentiment,
        case
            when a.published_at is null or not isfinite(a.published_at) then :cutoff_at
            when a.published_at < previous.cutoff_at then greatest(:cutoff_at, previous.cutoff_at)
            else a.published_at
        end as known_at
    from arrived r
    left join source.news_articles a on a.article_id = r.article_id
    cross join previous
),

moved as (
    insert into staging.news_labels (article_id, sentiment, ingest_date, known_at)
    select article_id, sentiment, :run_date, known_at
    from stamped
    returning known_at
),

summary as (
    select
        count(*) as rows_loaded,
        count(*) filter (where known_at >= :cutoff_at) as late_rows,
        max(known_at) filter (where known_at < :cutoff_at) as high_water,
        0 as redelivered_rows,
        count(*) > 0 and not exists (select 1 from staging.news_labels) as is_backlog
    from moved
)

select * from summary
