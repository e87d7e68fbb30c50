-- Several hub processes writing statements to one server (src/storage/writer-lease.ts).
--
-- One process at a time holds the writer lease, a session advisory lock, and only its flushes
-- reserve seqs and commit, so statements become visible in seq order across processes as they
-- already do within one. The lease's epoch, bumped by every new holder, lets a flush tell whether
-- its process still holds the lease at the moment it writes: a process whose lease connection
-- was lost must not commit alongside the next holder.
CREATE TABLE hub_writer_lease (
  only_row boolean PRIMARY KEY DEFAULT true CHECK (only_row),
  epoch bigint NOT NULL
);

INSERT INTO hub_writer_lease (only_row, epoch) VALUES (true, 0);

-- Called once per flush, from the flush's own statement (an InitPlan), before anything is written.
-- It takes the in-flight lock in shared mode for the rest of the flush's transaction: a new holder
-- takes it exclusively once, after bumping the epoch, and so waits for every flush that passed
-- this check under the previous epoch. Read after the lock, the epoch then tells a flush that
-- started too late. plpgsql takes a fresh snapshot for each statement, so the read sees a bump
-- committed while the lock was awaited. NULL: the embedded store, one process, no lease.
-- (Each statement below ends with a comment: migrate.ts splits files on line-ending semicolons.)
CREATE FUNCTION hub_writer_check(lease_epoch bigint) RETURNS boolean
  LANGUAGE plpgsql VOLATILE
  AS $$
  BEGIN
    IF lease_epoch IS NULL THEN RETURN true; END IF; -- embedded store
    PERFORM pg_advisory_xact_lock_shared(7351025102); -- in-flight flushes
    IF NOT EXISTS (SELECT 1 FROM hub_writer_lease WHERE epoch = lease_epoch) THEN
      RAISE EXCEPTION 'this hub process no longer holds the writer lease (epoch %)', lease_epoch
        USING ERRCODE = 'HW001'; -- the writer retries once it holds the lease again
    END IF; -- checked
    RETURN true; -- the flush may write
  END
  $$;
