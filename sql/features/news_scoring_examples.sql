-- Articles to score on a date: those published during the date and known by its end.
with day_articles as (
    select distinct on (a.article_id)
        a.article_id as key, a.published_at as as_of, a.source, a.headline, a.body, a.companies
    from staging.clean_news_articles a
    where a.published_at >= :day_start and a.published_at < :as_of and a.known_at <= :as_of
    order by a.article_id, a.known_at desc, a.row_id desc
)

select * from day_articles
where mod(abs(hashtext(day_articles.key)), :shard_n) = :shard_i
order by as_of, key
