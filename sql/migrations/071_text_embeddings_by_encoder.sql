-- A fused model's encoder is frozen: two versions trained on the same base model embed a text
-- identically, so stored vectors are keyed by the encoder (a fingerprint of its weights,
-- tokenizer and max_length, written into the model at training) rather than by the model
-- version, and survive the weekly retrain and a challenger in shadow. Models trained before
-- this migration carry no fingerprint and keep keying by their version: the column holds
-- either 'encoder:<sha256>' or a version number.
alter table ops.text_embeddings rename column model_version to source;

comment on column ops.text_embeddings.source is 'What computed the vector: encoder:<sha256 of the frozen encoder''s weights, tokenizer and max_length>, or the model version for fused models trained without a fingerprint.';
comment on table ops.text_embeddings is 'Encoder vectors of serialized texts (float32, little-endian), keyed by source (the frozen encoder''s fingerprint, or a model version), encoder variant (cpu-int8, cuda-bf16, cpu-fp32) and SHA-256 of the text; pruned after FINRISK_SCORING__EMBEDDING_DAYS.';
