-- Brings a H2 schema created by an earlier chime-store-jdbc up to date. Every statement is
-- idempotent: the store runs this file after h2.sql on every start with createSchema(true), and a
-- DBA may run it any number of times. Job rows are kept as they are.
-- The "chime_" prefix is the default; a configured prefix replaces it.

-- The next-due and claim queries filter on paused: with it first in the index neither scans the table.
CREATE INDEX IF NOT EXISTS chime_jobs_next_due ON chime_jobs (paused, next_fire_time, id);
DROP INDEX IF EXISTS chime_jobs_due;

-- The cluster protocol: each job's fencing token, and each run's token and completion marker. An
-- index on a column added here is created here, not in the create script: there it would run
-- before the column exists on an old table.
ALTER TABLE chime_jobs ADD COLUMN IF NOT EXISTS fence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chime_runs ADD COLUMN IF NOT EXISTS ended_at_ms BIGINT;
ALTER TABLE chime_runs ADD COLUMN IF NOT EXISTS fence BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS chime_runs_ended ON chime_runs (ended_at_ms);

-- Runs of several queued fire times keep the ones after fire_time, so that a takeover runs or reports
-- those the dead node had not started.
ALTER TABLE chime_runs ADD COLUMN IF NOT EXISTS queued_fire_times TEXT;

-- The index on runs by node alone let the end of a run scan every run of its node (see the create
-- script); it is replaced by chime_runs_node_run.
CREATE INDEX IF NOT EXISTS chime_runs_node_run ON chime_runs (node_id, run_id);
DROP INDEX IF EXISTS chime_runs_node;
