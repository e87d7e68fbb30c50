-- The agency projector updates a learner's row (last_seen) for every batch the learner appears
-- in. None of the columns it changes is indexed, so with free space on the page PostgreSQL can
-- update in place (a HOT update: no new index entries). Full pages (the default fillfactor, 100)
-- forbid that; leaving a quarter free lets nearly every update stay on its page.
ALTER TABLE learners SET (fillfactor = 75);
