-- Skills records and the credentials issued from them (docs/skills-records.md).
--
-- Nothing here is written on the statement ingest path: a projector follows `statements` in
-- storage order (`seq`) and writes evidence in batches, advancing its cursor in the same
-- transaction, so a crash never loses or repeats evidence.

-- Competency frameworks as loaded (the JSON as given), one row per id and version.
CREATE TABLE skills_frameworks (
  id text NOT NULL,
  version text NOT NULL,
  data jsonb NOT NULL,
  loaded_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (id, version)
);

-- One row per competence of a loaded framework; `iri` is the IRI the national profile uses.
CREATE TABLE skills_competences (
  iri text PRIMARY KEY,
  framework_id text NOT NULL,
  framework_version text NOT NULL,
  code text NOT NULL,
  domain_code text NOT NULL,
  titles jsonb NOT NULL,
  FOREIGN KEY (framework_id, framework_version) REFERENCES skills_frameworks (id, version) ON DELETE CASCADE
);

-- Operator-maintained mapping: a statement about the activity evidences the competence at the level.
CREATE TABLE skills_activity_map (
  activity_iri text NOT NULL,
  competence_iri text NOT NULL REFERENCES skills_competences (iri) ON DELETE CASCADE,
  level integer NOT NULL CHECK (level >= 1),
  updated_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (activity_iri, competence_iri)
);

-- Evidence: one row per (statement, competence). `withdrawn` is set when the statement is voided;
-- erasing a statement deletes its evidence (the foreign key). Records are derived from this table
-- on read, by learner, so they are never stored twice.
CREATE TABLE skills_evidence (
  seq bigint NOT NULL REFERENCES statements (seq) ON DELETE CASCADE,
  competence_iri text NOT NULL,
  learner_key text NOT NULL,
  statement_id uuid NOT NULL,
  level integer NOT NULL,
  step integer,
  score_scaled double precision,
  client_id text NOT NULL,
  achieved_at timestamptz NOT NULL,
  withdrawn boolean NOT NULL DEFAULT false,
  PRIMARY KEY (seq, competence_iri)
);

-- The record read: one range scan of a learner's live evidence.
CREATE INDEX skills_evidence_learner_idx ON skills_evidence (learner_key, competence_iri, level DESC)
  WHERE NOT withdrawn;
-- Voiding finds the evidence of the voided statement by id.
CREATE INDEX skills_evidence_statement_idx ON skills_evidence (statement_id);

-- The rebuild writes here, from the statements alone, then compares with `skills_evidence`.
CREATE TABLE skills_evidence_rebuild (LIKE skills_evidence INCLUDING DEFAULTS);
ALTER TABLE skills_evidence_rebuild ADD PRIMARY KEY (seq, competence_iri);

-- The projector's cursor: the highest `seq` whose evidence is written.
CREATE TABLE skills_projector (
  name text PRIMARY KEY,
  seq bigint NOT NULL
);
INSERT INTO skills_projector (name, seq) VALUES ('evidence', 0);

-- Bitstring Status Lists (W3C): each holds `size` entries, handed out in order.
CREATE TABLE skills_status_lists (
  id integer PRIMARY KEY,
  size integer NOT NULL,
  next_index integer NOT NULL DEFAULT 0
);

-- Issued credentials (Open Badges 3.0 and CLR 2.0) and their status list entry. `revoked_at`
-- set flips the entry's bit in the published list.
CREATE TABLE skills_credentials (
  id uuid PRIMARY KEY,
  kind text NOT NULL CHECK (kind IN ('openbadge', 'clr')),
  learner_key text NOT NULL,
  -- The competence and level of an Open Badge; null for a CLR.
  competence_iri text,
  level integer,
  -- For a CLR: the Open Badge credential ids it bundles, so an unchanged record reuses it.
  fingerprint text,
  status_list integer NOT NULL REFERENCES skills_status_lists (id),
  status_index integer NOT NULL,
  jwt text NOT NULL,
  issued_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  UNIQUE (status_list, status_index)
);

CREATE INDEX skills_credentials_learner_idx ON skills_credentials (learner_key) WHERE revoked_at IS NULL;
CREATE INDEX skills_credentials_revoked_idx ON skills_credentials (status_list) WHERE revoked_at IS NOT NULL;

-- The evidence each credential rests on. Not a foreign key to skills_evidence, so that losing
-- the evidence leaves the link in place and the trigger below can revoke the credential.
CREATE TABLE skills_credential_evidence (
  credential_id uuid NOT NULL REFERENCES skills_credentials (id) ON DELETE CASCADE,
  seq bigint NOT NULL,
  PRIMARY KEY (seq, credential_id)
);

-- A credential is revoked when any of its evidence is withdrawn (voided) or deleted (erased),
-- whoever makes the change: the projector, an erasure, or an operator in the store.
-- (The body keeps its semicolons mid-line: migrations are split on semicolons that end a line.)
CREATE FUNCTION skills_revoke_on_evidence_loss() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  UPDATE skills_credentials c SET revoked_at = now()
  WHERE c.revoked_at IS NULL
    AND c.id IN (SELECT ce.credential_id FROM skills_credential_evidence ce WHERE ce.seq = OLD.seq); RETURN NULL; END
$$;

CREATE TRIGGER skills_evidence_withdrawn AFTER UPDATE OF withdrawn ON skills_evidence
  FOR EACH ROW WHEN (NEW.withdrawn AND NOT OLD.withdrawn)
  EXECUTE FUNCTION skills_revoke_on_evidence_loss();
CREATE TRIGGER skills_evidence_deleted AFTER DELETE ON skills_evidence
  FOR EACH ROW EXECUTE FUNCTION skills_revoke_on_evidence_loss();
