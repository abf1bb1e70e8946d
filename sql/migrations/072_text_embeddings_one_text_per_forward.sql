-- On CPU the encoder now runs one text per forward (finrisk.models.runtime): int8 dynamic
-- quantization scales a forward's activations by their range over the whole batch, so a vector
-- computed in a batch depended on its batch mates. Vectors computed that way were stored under
-- the variants 'cpu-int8' and 'cpu-fp32'; the new ones are 'cpu-int8-alone' and 'cpu-fp32-alone',
-- so the old rows are never read again. They are a cache: drop them rather than wait for the prune.
delete from ops.text_embeddings where encoder in ('cpu-int8', 'cpu-fp32');

comment on table ops.text_embeddings is 'Encoder vectors of serialized texts (float32, little-endian), keyed by source (the frozen encoder''s fingerprint, or a model version), encoder variant (cpu-int8-alone and cpu-fp32-alone: one text per forward; cuda-bf16: batched) and SHA-256 of the text; pruned after FINRISK_SCORING__EMBEDDING_DAYS.';
