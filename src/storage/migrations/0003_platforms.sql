-- Connected platforms, their credentials and the hub's token-signing keys.
--
-- `auth_version` is bumped by every change that can narrow what a platform may do (suspension,
-- scope change, credential revocation or rotation). The authenticator remembers verified
-- credentials in memory and checks this one integer per request, by primary key, so a change
-- made by any hub process takes effect on the next request without re-hashing secrets.
CREATE TABLE platforms (
  id text PRIMARY KEY,
  name text NOT NULL,
  contact text,
  home_page text,
  status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
  -- The xAPI `authority` Agent stamped on statements the platform stores.
  authority jsonb NOT NULL,
  scopes text[] NOT NULL,
  -- Requests per minute; null means the hub-wide RATE_LIMIT_PER_MINUTE.
  rate_limit_per_minute integer,
  auth_version bigint NOT NULL DEFAULT 1,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per credential. Kinds:
--   basic            key + scrypt hash of the secret; HTTP Basic on /xapi and client_secret_basic
--                    or client_secret_post at the token endpoint
--   private_key_jwt  key (the OAuth client_id) + a public JWK or a JWKS URL (RFC 7523)
--   external         a subject (`sub`) of a trusted external identity provider
CREATE TABLE platform_credentials (
  id text PRIMARY KEY,
  platform_id text NOT NULL REFERENCES platforms (id) ON DELETE CASCADE,
  kind text NOT NULL CHECK (kind IN ('basic', 'private_key_jwt', 'external')),
  key text,
  secret_hash text,
  public_jwk jsonb,
  jwks_url text,
  issuer text,
  subject text,
  label text,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz
);

CREATE UNIQUE INDEX platform_credentials_key_idx ON platform_credentials (key) WHERE key IS NOT NULL;
CREATE UNIQUE INDEX platform_credentials_external_idx
  ON platform_credentials (issuer, subject) WHERE kind = 'external';
CREATE INDEX platform_credentials_platform_idx ON platform_credentials (platform_id);

-- The hub's signing keys. The one with `retired_at` null signs; retired keys still verify until
-- `retired_at` plus the overlap window, so tokens issued before a rotation stay valid.
CREATE TABLE hub_signing_keys (
  kid text PRIMARY KEY,
  alg text NOT NULL,
  private_jwk jsonb NOT NULL,
  public_jwk jsonb NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  retired_at timestamptz
);

CREATE UNIQUE INDEX hub_signing_keys_current_idx ON hub_signing_keys ((true)) WHERE retired_at IS NULL;
