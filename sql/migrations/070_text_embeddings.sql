-- The encoder's vector of a serialized text, per model version and encoder variant, so a night
-- re-encodes only the texts it has not seen (slow text, fast numbers: a customer's text changes
-- when the profile, notes, top merchants or headlines do; a transaction's names its merchant).
-- A vector is a pure function of (model version, encoder variant, text): a row written by a
-- run that later failed is still right. Derived from customer data, so it lives in ops, which
-- the analyst role cannot read; the text itself is not stored, only its SHA-256.
create table ops.text_embeddings (
    model_name    text not null,
    model_version text not null,
    encoder       text not null,
    text_sha256   bytea not null,
    vector        bytea not null,
    computed_on   date not null default current_date,
    primary key (model_name, model_version, encoder, text_sha256)
);

create index text_embeddings_computed_on_idx on ops.text_embeddings (computed_on);

comment on table ops.text_embeddings is 'Encoder vectors of serialized texts (float32, little-endian), keyed by model version, encoder variant (cpu-int8, cuda-bf16, cpu-fp32) and SHA-256 of the text; pruned after FINRISK_SCORING__EMBEDDING_DAYS.';
