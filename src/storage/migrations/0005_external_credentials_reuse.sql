-- An external identity (issuer, subject) may be mapped to a platform again after its previous
-- mapping was revoked: only unrevoked mappings need to be unique. Basic and private_key_jwt keys
-- stay unique for ever, so a revoked key can never be confused with a live one.
DROP INDEX platform_credentials_external_idx;

CREATE UNIQUE INDEX platform_credentials_external_idx
  ON platform_credentials (issuer, subject) WHERE kind = 'external' AND revoked_at IS NULL;
