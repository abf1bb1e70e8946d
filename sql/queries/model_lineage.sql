-- Which model versions scored which dates (champions) and which challengers ran in shadow,
-- with the rank agreement between challenger and champion where one ran.
with lineage as (
    select * from risk.model_lineage
),
agreement as (
    select score_date, model, model_version, value as spearman
    from risk.score_monitoring
    where role = 'challenger' and metric = 'spearman'
),
joined as (
    select lineage.*, agreement.spearman
    from lineage
    left join agreement using (score_date, model, model_version)
)

select * from joined order by score_date desc, model, role
