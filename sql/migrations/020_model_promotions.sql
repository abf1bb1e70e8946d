-- Audit of every promotion-gate decision and manual promotion (docs/CONTRACTS.md).
-- decision: 'promoted' (gate passed, champion moved), 'challenger' (gate passed, auto-promotion
-- off: a person decides), 'rejected' (gate failed: stays challenger), 'manual' (finrisk promote).
create table ops.model_promotions (
    promotion_id bigint generated always as identity primary key,
    model text not null,
    version text not null,
    previous_version text,
    decision text not null check (decision in ('promoted', 'challenger', 'rejected', 'manual')),
    reasons jsonb not null default '[]'::jsonb,
    actor text not null,
    promoted_at timestamptz not null default now()
);
create index on ops.model_promotions (model, promoted_at);

comment on table ops.model_promotions is 'Every gate decision and manual promotion of a registered model version: when, which, from which, why, who.';
