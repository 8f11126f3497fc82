-- Brings a MariaDB/MySQL schema created by an earlier chime-store-jdbc up to date. Every statement is
-- idempotent: the store runs this file after mariadb.sql on every start with createSchema(true), and a
-- DBA may run it any number of times. Job rows are kept as they are.
-- The "chime_" prefix is the default; a configured prefix replaces it.

-- TEXT holds 64 KiB; user texts and their run snapshots may take up to 4 MiB (a no-op once done).
ALTER TABLE chime_jobs MODIFY trigger_spec MEDIUMTEXT NOT NULL, MODIFY options_json MEDIUMTEXT NOT NULL,
    MODIFY data_json MEDIUMTEXT;
ALTER TABLE chime_runs MODIFY snapshot_trigger MEDIUMTEXT, MODIFY snapshot_options MEDIUMTEXT,
    MODIFY snapshot_data MEDIUMTEXT;

-- The next-due and claim queries filter on paused: with it first in the index neither scans the table.
CREATE INDEX IF NOT EXISTS chime_jobs_next_due ON chime_jobs (paused, next_fire_time, id);
DROP INDEX IF EXISTS chime_jobs_due ON chime_jobs;

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
