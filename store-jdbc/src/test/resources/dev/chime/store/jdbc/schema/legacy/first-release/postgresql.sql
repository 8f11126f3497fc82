-- Chime job store schema for PostgreSQL 14+.
-- Instants are nanoseconds since 1970-01-01T00:00:00Z (UTC) in BIGINT columns (years 1677 to 2262),
-- except last_duration_us (microseconds) and the
-- *_at_ms columns, which hold the database's own clock in milliseconds (leases and heartbeats).
-- The "chime_" prefix is the default; a configured prefix replaces it.

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
    version           BIGINT        NOT NULL,
    last_outcome      VARCHAR(16),
    last_fire_time    BIGINT,
    last_finished_at  BIGINT,
    last_duration_us  BIGINT,
    last_error        TEXT
);
CREATE INDEX IF NOT EXISTS chime_jobs_due ON chime_jobs (next_fire_time, id) WHERE NOT paused;
CREATE INDEX IF NOT EXISTS chime_jobs_claimed_by ON chime_jobs (claimed_by);

CREATE TABLE IF NOT EXISTS chime_runs (
    run_id            VARCHAR(36)   NOT NULL PRIMARY KEY,
    job_id            VARCHAR(200)  NOT NULL,
    fire_time         BIGINT        NOT NULL,
    node_id           VARCHAR(200)  NOT NULL,
    recoverable       BOOLEAN       NOT NULL,
    started_at_ms     BIGINT        NOT NULL,
    snapshot_task     VARCHAR(200),
    snapshot_trigger  TEXT,
    snapshot_options  TEXT,
    snapshot_data     TEXT
);
CREATE INDEX IF NOT EXISTS chime_runs_node ON chime_runs (node_id);

CREATE TABLE IF NOT EXISTS chime_nodes (
    node_id           VARCHAR(200)  NOT NULL PRIMARY KEY,
    heartbeat_at_ms   BIGINT        NOT NULL,
    started_at_ms     BIGINT        NOT NULL
);
