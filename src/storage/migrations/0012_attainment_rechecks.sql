-- Attainments to count again after skills evidence was withdrawn (a statement voided).
--
-- The skills projector writes a row here in the transaction that withdraws the evidence, so a
-- withdrawal is never seen without its row; the agency projector deletes the rows in one of its
-- batches and recomputes each (learner, competence, level) from the evidence that remains, in
-- that same transaction. A row names a triple once however many of its statements are voided:
-- the recomputation reads the evidence, not the row.
CREATE TABLE attainment_rechecks (
  learner_key text NOT NULL,
  competence_iri text NOT NULL,
  level integer NOT NULL,
  PRIMARY KEY (learner_key, competence_iri, level)
);

-- The evidence a first attainment was counted from, so a recheck tells whether the earliest
-- evidence changed (move the attainment) or not (leave it where it was counted, even if the
-- learner has moved province since). Rows counted before this migration have none; a recheck
-- treats them as changed, which recomputes them from the evidence and records it.
ALTER TABLE learner_attainments ADD COLUMN seq bigint
