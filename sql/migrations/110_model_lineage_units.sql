-- risk.model_lineage counts what each model scores in its own unit: customers for credit,
-- transactions for fraud, articles for news (032's view counted risk_scores rows for every model,
-- so fraud and news showed the number of customers). The counts are the 'rows' rows the publish
-- writes to risk.score_monitoring for every model it scored (champion and shadow challenger),
-- the figures the morning summary reports; `unit` is the monitoring row's detail ->> 'units'
-- (the model spec's units) where the publish recorded it, else 'rows'. No model is named here.

drop view if exists risk.model_lineage;

create view risk.model_lineage as
with counted as (
    select
        m.score_date,
        m.model,
        m.role,
        m.model_version,
        cast(m.value as bigint) as units_scored,
        coalesce(nullif(m.detail ->> 'units', ''), 'rows') as unit,
        m.computed_at as published_at,
        m.run_id
    from risk.score_monitoring m
    where m.metric = 'rows' and m.feature = ''
)
select * from counted;

grant select on risk.model_lineage to finrisk_analyst;

comment on view risk.model_lineage is 'Which model version (champion or shadow challenger) scored which dates, and how many of its units (customers, transactions, articles) it scored.';
