-- statement_index keeps a hash of each filter key instead of its text, with the key's placement
-- (direct or related) inside the hash, and ONE btree (src/storage/key-hash.ts explains the
-- choice; docs/performance.md has the measurements):
--
-- - the rows of migration 0001 carried the key's text (an IRI, account JSON: 50 to 100 bytes)
--   in a heap row and two btrees, the primary key and the partial index of direct rows; six rows
--   a statement made the three structures larger than the statements themselves;
-- - a row is now (key_hash uuid, seq bigint), and the one btree on (key_hash, seq) serves every
--   query: a plain filter reads the range of its direct hash, a related_* filter merges the
--   ranges of both hashes in seq order. Inserting a statement's keys costs about half as much.
--
-- statement_key_hash is the SQL twin of keyHash() in src/storage/key-hash.ts: the first 16 bytes
-- of SHA-256 over "d <key>" (direct) or "r <key>" (related only), as a uuid.
CREATE FUNCTION statement_key_hash(key text, direct boolean) RETURNS uuid
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  AS $$
    SELECT encode(substring(sha256(convert_to(CASE WHEN direct THEN 'd ' ELSE 'r ' END || key,
      'UTF8')) FROM 1 FOR 16), 'hex')::uuid
  $$;

CREATE TABLE statement_keys (
  key_hash uuid NOT NULL,
  seq bigint NOT NULL
);

-- Rows of the old table are unique on (key, seq), so hashes of (placement, key) are unique on
-- (key_hash, seq) as well. Loaded before the primary key exists, which is then built in one pass.
INSERT INTO statement_keys (key_hash, seq)
SELECT statement_key_hash(key, direct), seq FROM statement_index ORDER BY seq;

DROP TABLE statement_index;
ALTER TABLE statement_keys RENAME TO statement_index;
ALTER TABLE statement_index ADD CONSTRAINT statement_index_pkey PRIMARY KEY (key_hash, seq);
-- As in migration 0013: look-ups by seq (a StatementRef copying its target's keys, erasure) read
-- a few block ranges; rows are appended in roughly seq order.
CREATE INDEX statement_index_seq_brin ON statement_index USING brin (seq)
  WITH (pages_per_range = 16, autosummarize = on);
