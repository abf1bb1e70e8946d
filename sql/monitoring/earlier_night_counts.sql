-- The counts per reference bin that a model version's previous published nights recorded on their PSI
-- rows, latest first, at most :nights per score or input: a small night is pooled with them.
-- risk.score_monitoring is written only by a publish, so each of its dates is a published night.
with earlier as (
    select
        m.score_date,
        m.feature,
        m.detail -> 'night_counts' as night_counts,
        m.detail -> 'edges' as edges,
        row_number() over (partition by m.feature order by m.score_date desc) as night
    from risk.score_monitoring m
    where m.model = :model and m.model_version = :model_version and m.role = 'champion' and m.metric = 'psi'
      and m.score_date < :score_date
      and jsonb_typeof(m.detail -> 'night_counts') = 'array' and jsonb_typeof(m.detail -> 'edges') = 'array'
)

select score_date, feature, night_counts, edges from earlier where night <= :nights order by feature, score_date desc
