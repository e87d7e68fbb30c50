-- The plain `agent` and `activity` filters match only direct occurrences (actor or object).
-- A key that is mostly related (a course named as the parent of millions of statements, a
-- platform's authority agent) would otherwise make a plain query walk every related row of that
-- key before finding a direct one. This partial index holds only direct rows, so such a query is
-- one range scan over exactly what it returns.
CREATE INDEX statement_index_direct_idx ON statement_index (key, seq) WHERE direct;
