-- Which model versions scored which dates (champions) and which challengers ran in shadow, how
-- many of its own units each scored (customers for credit, transactions for fraud, articles
-- for news), and the rank agreement (Spearman, -1 to 1) between challenger and champion.
with lineage as (
    select score_date, model, role, model_version, units_scored, unit, published_at
    from risk.model_lineage
),

agreement as (
    select score_date, model, model_version, round(value::numeric, 3) as spearman
    from risk.score_monitoring
    where role = 'challenger' and metric = 'spearman'
),

joined as (
    select lineage.*, agreement.spearman
    from lineage
    left join agreement
        on agreement.score_date = lineage.score_date
        and agreement.model = lineage.model
        and agreement.model_version = lineage.model_version
        and lineage.role = 'challenger'
)

select * from joined order by score_date desc, model, role
