-- New vectors; a text another shard stored meanwhile is kept as it is (callers send keys sorted,
-- so concurrent shards take row locks in the same order).
insert into ops.text_embeddings (model_name, source, encoder, text_sha256, vector)
select :model_name, :source, :encoder, u.sha, u.vector
from unnest(cast(:shas as bytea[]), cast(:vectors as bytea[])) as u(sha, vector)
on conflict do nothing
