-- Ingest cost of statement_index, which takes about six rows per statement (measured with
-- bench/, docs/performance.md):
--
-- 1. Keys are compared byte-wise. Under the database's default collation (C.UTF-8 or a
--    language locale) every btree comparison of a key goes through the C library's collation;
--    keys are IRIs and identifiers whose order means nothing to anyone, and no query relies on a
--    linguistic order. "C" makes each comparison a memcmp.
-- 2. The btree on `seq` alone becomes a BRIN index. It served only rare look-ups (a StatementRef
--    copying its target's keys, erasure removing a statement's rows), yet every index row paid
--    a btree insert into its rightmost page, the one page every concurrent flush writes to. Rows
--    are appended in roughly `seq` order, which is what BRIN summarises well: a look-up reads a
--    few block ranges. Ranges are summarised by autovacuum where it runs (autosummarize) and by
--    the hub after flushes in any case (src/storage/storage-upkeep.ts).
ALTER TABLE statement_index ALTER COLUMN key TYPE text COLLATE "C";
DROP INDEX IF EXISTS statement_index_seq_idx;
CREATE INDEX statement_index_seq_brin ON statement_index USING brin (seq)
  WITH (pages_per_range = 16, autosummarize = on);
