-- The national profile (schemas/profile/): how each platform's statements that declare it are
-- checked against its statement templates on ingest, and what was found.
--
-- `profile_mode`: `reject` answers 400 naming the template and the rule a statement breaks;
-- `record` stores the statement and a finding row per broken rule, for the platform's report.
ALTER TABLE platforms
  ADD COLUMN profile_mode text NOT NULL DEFAULT 'record' CHECK (profile_mode IN ('reject', 'record'));

-- Written in the same SQL statement as the statements they concern (statement-insert.ts), only
-- for statements actually inserted, so a finding never names a statement that is not stored and
-- a repeated statement (a no-op) adds no second finding. `seq` is the keyset the report pages on.
CREATE TABLE profile_findings (
  seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  statement_id uuid NOT NULL,
  client_id text NOT NULL,
  profile_version text NOT NULL,
  template text NOT NULL,
  template_label text NOT NULL,
  rule_location text NOT NULL,
  presence text,
  requirement text NOT NULL,
  message text NOT NULL,
  found_at timestamptz NOT NULL DEFAULT now()
);

-- A platform's report: its findings, newest first, one index range scan per page.
CREATE INDEX profile_findings_client_idx ON profile_findings (client_id, seq);
