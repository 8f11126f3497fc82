-- Chime job store schema for MariaDB 10.6+ and MySQL 8 (InnoDB, utf8mb4).
-- Instants are nanoseconds since 1970-01-01T00:00:00Z (UTC) in BIGINT columns (years 1677 to 2262),
-- except last_duration_us (microseconds) and the
-- *_at_ms columns, which hold the database's own clock in milliseconds (leases, heartbeats, and
-- runs.ended_at_ms, the completion marker that makes a retried completion count once).
-- jobs.fence is the job's fencing token, bumped with every run handed out; runs.fence is the run's.
-- A run of several queued fire times (no coalescing, a late claim) keeps them in queued_fire_times
-- (nanoseconds, comma-separated, at most 1,001 of them: ~20 KB); runs.fire_time is the one in flight,
-- advanced with a fresh fence as each queued one starts, so a takeover knows which had not started.
-- Texts a user supplies (trigger, options, data and their run snapshots) are MEDIUMTEXT: TEXT holds
-- only 64 KiB. The store keeps at most 4 MiB of UTF-8 per such field and cuts error texts to 8,000
-- characters, which TEXT holds.
-- The "chime_" prefix is the default; a configured prefix replaces it.
-- A database created from an earlier version of this script is brought up to date by the statements
-- of the matching *-upgrade.sql (run after this script on start with createSchema(true)); run it after
-- this script in any case, as it also creates the indexes on columns added since the first release.

CREATE TABLE IF NOT EXISTS chime_jobs (
    id                VARCHAR(200)  NOT NULL PRIMARY KEY,
    task              VARCHAR(200)  NOT NULL,
    trigger_spec      MEDIUMTEXT    NOT NULL,
    options_json      MEDIUMTEXT    NOT NULL,
    data_json         MEDIUMTEXT,
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
    last_error        TEXT,
    INDEX chime_jobs_next_due (paused, next_fire_time, id),
    INDEX chime_jobs_claimed_by (claimed_by)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

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
    snapshot_trigger  MEDIUMTEXT,
    snapshot_options  MEDIUMTEXT,
    snapshot_data     MEDIUMTEXT,
    queued_fire_times TEXT,
    INDEX chime_runs_node (node_id),
    INDEX chime_runs_ended (ended_at_ms)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS chime_nodes (
    node_id           VARCHAR(200)  NOT NULL PRIMARY KEY,
    heartbeat_at_ms   BIGINT        NOT NULL,
    started_at_ms     BIGINT        NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
