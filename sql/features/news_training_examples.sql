-- Labelled news examples: each clean article with its latest clean sentiment label.
-- :known_by is the training run's cutoff (null: everything staged): rows known later are not read.
with labels as (
    select distinct on (l.article_id) l.article_id, lower(l.sentiment) as sentiment
    from staging.clean_news_labels l
    where l.article_id is not null and l.sentiment is not null
        and (cast(:known_by as timestamptz) is null or l.known_at <= cast(:known_by as timestamptz))
    order by l.article_id, l.known_at desc, l.row_id desc
),

articles as (
    select distinct on (a.article_id)
        a.article_id, a.published_at, a.source, a.headline, a.body, a.companies
    from staging.clean_news_articles a
    where cast(:known_by as timestamptz) is null or a.known_at <= cast(:known_by as timestamptz)
    order by a.article_id, a.known_at desc, a.row_id desc
),

examples as (
    select
        labels.article_id as key,
        articles.published_at as as_of,
        labels.sentiment as label,
        articles.article_id is not null as is_known_article,
        articles.source,
        articles.headline,
        articles.body,
        articles.companies
    from labels
    left join articles on articles.article_id = labels.article_id
)

select * from examples
order by as_of nulls first, key
