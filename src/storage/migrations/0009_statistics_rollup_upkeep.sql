-- The statistics rollups (0007) are small tables whose rows are updated by every projector batch:
-- counting a million statements updates a 30,000-row rollup a million times. Left to the default
-- autovacuum thresholds (20% of the table) and full pages, the dead row versions outnumber the
-- live ones thirty to one between vacuums and a national query reads them all (seen: 91 MB for
-- 30k rows, 100 ms instead of 12 ms). Free space in each page lets updates stay on the page (HOT,
-- no index entry), and vacuum runs after a fixed number of dead rows, not a share of the table.
ALTER TABLE stats_platform_monthly SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 10000, autovacuum_analyze_scale_factor = 0.05);
ALTER TABLE stats_learners_monthly SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 10000);
ALTER TABLE stats_attainments_monthly SET (fillfactor = 50, autovacuum_vacuum_scale_factor = 0,
  autovacuum_vacuum_threshold = 10000)
