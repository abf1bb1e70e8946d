-- The stored vectors of some texts of one model version and encoder variant.
select text_sha256, vector
from ops.text_embeddings
where model_name = :model_name and model_version = :model_version and encoder = :encoder
  and text_sha256 = any(:shas)
