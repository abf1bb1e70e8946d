-- Rows published for one score date, per registered model, as the publish's monitoring counted
-- them (one 'rows' row per champion scored): customers, transactions, articles, ...
with counted as (
    select model as registered_name, cast(value as bigint) as rows_scored
    from risk.score_monitoring
    where score_date = :score_date and role = 'champion' and metric = 'rows'
)

select * from counted
