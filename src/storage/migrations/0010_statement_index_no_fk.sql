-- statement_index rows are written only by the statement insert, in the same SQL statement as
-- the statement they point at, so the foreign key could never catch anything; it cost a
-- row-locking lookup of `statements` for every index row (about six per statement), the
-- largest single cost of ingest. Rows are removed explicitly where statements are removed
-- (learner erasure), by `seq` through statement_index_seq_idx.
ALTER TABLE statement_index DROP CONSTRAINT IF EXISTS statement_index_seq_fkey
