-- Chime job store schema for H2 2.x.
-- Instants are nanoseconds since 1970-01-01T00:00:00Z (UTC) in BIGINT columns (years 1677 to 2262),
-- except last_duration_us (microseconds) and the
-- *_at_ms columns, which hold the database's own clock in milliseconds (leases, heartbeats, and
-- runs.ended_at_ms, the completion marker that makes a retried completion count once).
-- jobs.fence is the job's fencing token, bumped with every run handed out; runs.fence is the run's.
-- A run of several queued fire times (no coalescing, a late claim) keeps them in queued_fire_times
-- (nanoseconds, comma-separated, at most 1,001 of them: ~20 KB); runs.fire_time is the one in flight,
-- advanced with a fresh fence as each queued one starts, so a takeover knows which had not started.
-- The "chime_" prefix is the default; a configured prefix replaces it.
-- A database created from an earlier version of this script is brought up to date by the statements
-- of the matching *-upgrade.sql (run after this script on start with createSchema(true)); run it after
-- this script in any case, as it also creates the indexes on columns added since the first release.

CREATE TABLE IF NOT EXISTS chime_jobs (
    id                VARCHAR(200)  NOT NULL PRIMARY KEY,
    task              VARCHAR(200)  NOT NULL,
    trigger_spec      TEXT          NOT NULL,
    options_json      TEXT          NOT NULL,
    data_json         TEXT,
    paused            BOOLEAN       NOT NULL,
    next_fire_time    BIGINT,
    claimed_fire_time BIGINT,
    claimed_by        VARCHAR(200),
    claimed_at_ms     BIGINT,
    running           INTEGER       NOT NULL DEFAULT 0,
    fence             BIGINT        NOT NULL DEFAULT 0,
    version           BIGINT        NOT NULL,
    last_outcome      VARCHAR(16),
    last_fire_time    BIGINT,
    last_finished_at  BIGINT,
    last_duration_us  BIGINT,
    last_error        TEXT
);
CREATE INDEX IF NOT EXISTS chime_jobs_next_due ON chime_jobs (paused, next_fire_time, id);
CREATE INDEX IF NOT EXISTS chime_jobs_claimed_by ON chime_jobs (claimed_by);

CREATE TABLE IF NOT EXISTS chime_runs (
    run_id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    job_id            VARCHAR(200)  NOT NULL,
    fire_time         BIGINT        NOT NULL,
    node_id           VARCHAR(200)  NOT NULL,
    recoverable       BOOLEAN       NOT NULL,
    started_at_ms     BIGINT        NOT NULL,
    ended_at_ms       BIGINT,
    fence             BIGINT        NOT NULL DEFAULT 0,
    snapshot_task     VARCHAR(200),
    snapshot_trigger  TEXT,
    snapshot_options  TEXT,
    snapshot_data     TEXT,
    queued_fire_times TEXT
);
-- Runs by node, with the run id in the key: a run is ended by (run_id, node_id), and on a table
-- without statistics yet the planner may pick this index over the primary key for that statement
-- (a tie on a tiny table, kept in the generic plan); with run_id in it the lookup is exact either way.
CREATE INDEX IF NOT EXISTS chime_runs_node_run ON chime_runs (node_id, run_id);

CREATE TABLE IF NOT EXISTS chime_nodes (
    node_id           VARCHAR(200)  NOT NULL PRIMARY KEY,
    heartbeat_at_ms   BIGINT        NOT NULL,
    started_at_ms     BIGINT        NOT NULL
);
