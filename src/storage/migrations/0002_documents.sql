-- State, Activity Profile and Agent Profile documents (xAPI Communication §2.2-2.7).
--
-- One table for the three document resources: they share every rule (byte-exact content with
-- its Content-Type, ETag, merge on POST, concurrency), and differ only in which parts of the key
-- they use. Parts a resource does not use hold '' rather than NULL so the primary key covers
-- every lookup and a missing registration is one well-defined context:
--   state              activity_id, agent_key, registration ('' when none), doc_id (stateId)
--   activity_profile   activity_id, doc_id (profileId)
--   agent_profile      agent_key, doc_id (profileId)
-- `client_id` separates connected platforms: one platform never reads another's documents.
-- Key parts are length-checked by the HTTP layer so an index entry stays within the b-tree limit.
CREATE TABLE documents (
  client_id text NOT NULL,
  kind text NOT NULL CHECK (kind IN ('state', 'activity_profile', 'agent_profile')),
  activity_id text NOT NULL,
  -- The IFI key of the agent (see src/xapi/agent-key.ts).
  agent_key text NOT NULL,
  registration text NOT NULL,
  doc_id text NOT NULL,
  content_type text NOT NULL,
  content bytea NOT NULL,
  -- Quoted SHA-1 hex of `content` (xAPI Communication §3.1), kept so preconditions cost no hashing.
  etag text NOT NULL,
  -- Last modification; `since` filters on it and Last-Modified reports it.
  updated timestamptz NOT NULL,
  PRIMARY KEY (client_id, kind, activity_id, agent_key, registration, doc_id)
);
