-- The realised figures of a night's estimate, once outcomes matched to that score date have arrived.
update risk.performance_estimates
set realised_observations = :observations, realised_defaults = :defaults, realised_auc = :auc,
    realised_auc_low = :auc_low, realised_auc_high = :auc_high, realised_default_rate = :observed_rate,
    realised_at = :realised_at
where score_date = :score_date and model = :model and model_version = :model_version
