-- Tonight's estimate (CBPE) for one model version; a re-run of the date replaces the estimate, not the realised figures.
insert into risk.performance_estimates (
    score_date, model, model_version, observations, estimated_auc, expected_default_rate, estimated_at
)
values (:score_date, :model, :model_version, :observations, :estimated_auc, :expected_default_rate, :estimated_at)
on conflict (score_date, model, model_version) do update set
    observations = excluded.observations, estimated_auc = excluded.estimated_auc,
    expected_default_rate = excluded.expected_default_rate, estimated_at = excluded.estimated_at
