-- Early warnings that mean a material deterioration (issue 22): a new worst band counts once it is
-- held (alert_type held_band_e), and each warning says what changed since the previous score.
-- Published scores keep the model's numeric inputs, so tomorrow's warning can show old and new values.

alter table risk.risk_scores add column numeric_inputs jsonb not null default '{}'::jsonb;

alter table risk.risk_alerts drop constraint risk_alerts_alert_type_check;
alter table risk.risk_alerts add constraint risk_alerts_alert_type_check
    check (alert_type in ('held_band_e', 'band_jump', 'pd_jump', 'entered_band_e'));
alter table risk.risk_alerts add column changes jsonb not null default '[]'::jsonb;

comment on column risk.risk_scores.numeric_inputs is 'The credit model''s numeric inputs of the score (behaviour figures: txn counts and amounts, merchants, abroad share, news counts, activity trend); {} before migration 111.';
comment on table risk.risk_alerts is 'Early warnings of a material deterioration since the previous score: band worsened by scoring.alert_band_jump+ (band_jump), PD at least scoring.alert_pd_ratio times the previous and scoring.alert_min_pd_increase higher (pd_jump), or band E entered and held scoring.alert_hold_nights nights with its lowest PD since entering scoring.alert_min_pd_increase above the PD before entering, once per stay (held_band_e, measured against the score before entering). entered_band_e: one-night crossings, raised before migration 111 only.';
comment on column risk.risk_alerts.changes is 'Reason codes whose contribution grew since the compared score, largest first: {code, description, previous_contribution (null: not among that score''s reasons, computed from band scoring.reason_min_band), contribution, inputs: {numeric input: {previous, current}}} (inputs only for behaviour figures; profile and text values are not stored).';
