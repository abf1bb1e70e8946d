-- Each model's latest drift row up to a date, and for how many published nights in a row, ending
-- there, its status has been 'drift' under the same champion version (a retrained champion starts
-- again from zero). Rows written before drift rows had a status count as not 'drift'.
with drift as (
    select
        m.model,
        m.score_date,
        m.model_version,
        m.value,
        m.is_flagged,
        m.detail,
        coalesce(m.detail ->> 'status', 'unknown') as status,
        row_number() over (partition by m.model order by m.score_date desc) as night
    from risk.score_monitoring m
    where m.metric = 'drift' and m.role = 'champion' and m.score_date <= :score_date
),

latest as (
    select * from drift where night = 1
),

streak_end as (
    select d.model, min(d.night) as first_other
    from drift d
    join latest l on l.model = d.model
    where d.status <> 'drift' or d.model_version <> l.model_version
    group by d.model
),

nights as (
    select model, count(*) as published_nights from drift group by model
),

counted as (
    select
        l.model,
        l.score_date,
        l.model_version,
        l.value,
        l.is_flagged,
        l.detail,
        l.status,
        coalesce(e.first_other, n.published_nights + 1) - 1 as drift_nights
    from latest l
    join nights n on n.model = l.model
    left join streak_end e on e.model = l.model
)

select * from counted order by model
