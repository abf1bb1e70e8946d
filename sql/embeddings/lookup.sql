-- The stored vectors of some texts of one source (encoder fingerprint or model version) and encoder variant.
select text_sha256, vector
from ops.text_embeddings
where model_name = :model_name and source = :source and encoder = :encoder
  and text_sha256 = any(:shas)
