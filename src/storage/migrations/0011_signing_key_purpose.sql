-- Each signing key signs for one purpose: `tokens` (the hub's access tokens, ES256 or EdDSA) or
-- `credentials` (Open Badges 3.0 and CLR 2.0 VC-JWTs, RS256, which OB 3.0 §8.2.3 requires every
-- verifier to support). Keys stored before this migration signed both; they become token keys
-- and stay published, so the credentials they signed keep verifying.
ALTER TABLE hub_signing_keys
  ADD COLUMN purpose text NOT NULL DEFAULT 'tokens' CHECK (purpose IN ('tokens', 'credentials'));

-- One current key per purpose instead of one in all.
DROP INDEX hub_signing_keys_current_idx;
CREATE UNIQUE INDEX hub_signing_keys_current_idx ON hub_signing_keys (purpose)
  WHERE retired_at IS NULL;
