-- Statements and the indexes every statement query is driven by.
--
-- `seq` is the storage order: the hub assigns it as statements commit, so paging by it
-- (keyset paging) costs one index range scan and never skips or repeats a statement.
-- `stored` is the xAPI `stored` timestamp, filtered by `since` and `until`.
CREATE TABLE statements (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  id uuid NOT NULL,
  stored timestamptz NOT NULL,
  -- xAPI version of the request that stored the statement ('1.0.3' or '2.0.0').
  version text NOT NULL,
  -- The credential (later: platform) that stored it; tenancy and `statements/read/mine`.
  client_id text NOT NULL,
  -- The IFI key of the actor (see src/xapi/agent-key.ts); the learner the statement is about.
  actor_key text NOT NULL,
  verb_id text NOT NULL,
  -- Set on voiding statements: the id of the statement they void.
  voids uuid,
  voided boolean NOT NULL DEFAULT false,
  -- SHA-2 hashes of the attachments stored with this statement.
  attachment_hashes text[],
  -- The statement as stored, with id, stored, authority, version and timestamp set.
  body jsonb NOT NULL,
  CONSTRAINT statements_id_unique UNIQUE (id)
);

CREATE INDEX statements_stored_idx ON statements (stored);
CREATE INDEX statements_voids_idx ON statements (voids) WHERE voids IS NOT NULL;
CREATE INDEX statements_client_idx ON statements (client_id, seq);

-- One row per (filter key, statement). Keys are prefixed by kind:
--   agent:<agent key>      the agent or identified group, anywhere in the statement
--   activity:<IRI>         an activity, anywhere in the statement
--   verb:<IRI>             the verb
--   registration:<uuid>    the context registration
-- `direct` is true where the plain filter matches (actor or object for agents, object for
-- activities, always for verb and registration); the `related_*` forms ignore it.
-- A statement whose object is a StatementRef also carries the keys of the statement it targets,
-- because xAPI's filter rules make a targeting statement match whatever its target matches.
CREATE TABLE statement_index (
  key text NOT NULL,
  seq bigint NOT NULL REFERENCES statements (seq) ON DELETE CASCADE,
  direct boolean NOT NULL,
  PRIMARY KEY (key, seq)
);

CREATE INDEX statement_index_seq_idx ON statement_index (seq);

-- Binary attachment content, shared by every statement that names the same SHA-2 hash.
CREATE TABLE attachments (
  sha2 text PRIMARY KEY,
  content_type text NOT NULL,
  length bigint NOT NULL,
  content bytea NOT NULL
);

-- Activity definitions as learned from statements (the Activities resource).
CREATE TABLE activities (
  iri text PRIMARY KEY,
  definition jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);

-- Small hub-wide settings: the generated bootstrap credential, signing keys.
CREATE TABLE hub_settings (
  key text PRIMARY KEY,
  value jsonb NOT NULL,
  updated_at timestamptz NOT NULL DEFAULT now()
);
