-- The agency API (docs/agency-api.md, docs/privacy.md): agencies' jurisdictions, the learners
-- table and national statistics rollups kept by a projector, and the hash-chained audit trail.
--
-- Nothing here is written on the statement ingest path: the agency projector follows
-- `statements` in storage order (`seq`) with its own cursor, like the skills projector.

-- An agency is a registered platform (its credentials, scopes and status come from there) with a
-- jurisdiction: the whole country, or a list of province codes.
CREATE TABLE agencies (
  platform_id text PRIMARY KEY REFERENCES platforms (id) ON DELETE CASCADE,
  national boolean NOT NULL,
  provinces text[] NOT NULL DEFAULT '{}',
  updated_at timestamptz NOT NULL DEFAULT now(),
  CHECK (national OR cardinality(provinces) > 0)
);

-- One row per learner (actor IFI key, src/xapi/agent-key.ts): the province their statements
-- declared last (context extension), and when they were first and last seen.
CREATE TABLE learners (
  learner_key text PRIMARY KEY,
  province text NOT NULL,
  first_seen timestamptz NOT NULL,
  last_seen timestamptz NOT NULL,
  -- The seq of the statement that set `province`, so a later batch never goes back in time.
  province_seq bigint NOT NULL
);

CREATE INDEX learners_province_idx ON learners (province);

-- Statements by month, province (of the statement's own context) and platform, with the
-- completions, passes and failures among them and the learners active in the cell. One row per
-- cell, so a national query aggregates a few thousand rows per month, whatever the statements.
-- Statements are counted when projected and taken back when voided or erased; a cell is
-- published only when `active_learners` reaches the suppression threshold.
CREATE TABLE stats_platform_monthly (
  month date NOT NULL,
  province text NOT NULL,
  platform text NOT NULL,
  statements bigint NOT NULL DEFAULT 0,
  completed bigint NOT NULL DEFAULT 0,
  passed bigint NOT NULL DEFAULT 0,
  failed bigint NOT NULL DEFAULT 0,
  active_learners bigint NOT NULL DEFAULT 0,
  PRIMARY KEY (month, province, platform)
);

-- The learners behind `active_learners`: one row per learner, month, province and platform.
CREATE TABLE learner_months (
  learner_key text NOT NULL,
  month date NOT NULL,
  province text NOT NULL,
  platform text NOT NULL,
  PRIMARY KEY (learner_key, month, province, platform)
);

-- Learners by the month they were first seen and their current province.
CREATE TABLE stats_learners_monthly (
  month date NOT NULL,
  province text NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (month, province)
);

-- The first attainment of each (learner, competence, level), from the skills evidence; the
-- rollup below counts these rows, so an erasure knows exactly which cells to take back.
CREATE TABLE learner_attainments (
  learner_key text NOT NULL,
  competence_iri text NOT NULL,
  level integer NOT NULL,
  month date NOT NULL,
  province text NOT NULL,
  PRIMARY KEY (learner_key, competence_iri, level)
);

CREATE TABLE stats_attainments_monthly (
  month date NOT NULL,
  province text NOT NULL,
  competence_iri text NOT NULL,
  level integer NOT NULL,
  count bigint NOT NULL,
  PRIMARY KEY (month, province, competence_iri, level)
);

-- The agency projector's cursor: the highest statement `seq` counted in the tables above.
CREATE TABLE agency_projector (
  name text PRIMARY KEY,
  seq bigint NOT NULL
);
INSERT INTO agency_projector (name, seq) VALUES ('statistics', 0), ('attainments', 0);

-- The audit trail: append-only, one chain. `hash` is SHA-256 over the canonical serialisation
-- of the entry and `prev_hash`, so altering or removing an entry breaks the chain at that entry.
-- `subject` is a salted hash of the learner concerned (never the identifier itself), so citizens
-- can be shown who looked at their record without the trail holding their identity in clear.
CREATE TABLE audit_log (
  seq bigint PRIMARY KEY,
  at timestamptz NOT NULL,
  actor text NOT NULL,
  action text NOT NULL,
  target text,
  subject text,
  purpose text,
  outcome text NOT NULL,
  detail jsonb NOT NULL,
  prev_hash text NOT NULL,
  hash text NOT NULL
);

CREATE INDEX audit_log_subject_idx ON audit_log (subject, seq) WHERE subject IS NOT NULL;
