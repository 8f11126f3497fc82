-- Schema version 2 for MariaDB/MySQL: the run history and the leases that let one node at a time trim it.
-- Run after mariadb.sql and mariadb-upgrade.sql (the store does so on start with createSchema(true),
-- then records version 2 in chime_schema_version). Idempotent.
-- Instants are nanoseconds since the epoch (UTC) in BIGINT, duration_us microseconds, as in chime_jobs.
-- stack_trace is MEDIUMTEXT: a trace of 16,000 characters may take up to 64,000 bytes of utf8mb4,
-- at the very edge of TEXT's 65,535. Error texts are cut to 8,000 characters, which TEXT holds.
-- MariaDB before 10.8 reads DESC in an index as ASC; it scans the index backwards then, as fast.
-- The "chime_" prefix is the default; a configured prefix replaces it.

CREATE TABLE IF NOT EXISTS chime_history (
    id                BIGINT        NOT NULL AUTO_INCREMENT PRIMARY KEY,
    job_id            VARCHAR(200)  NOT NULL,
    task              VARCHAR(200)  NOT NULL,
    fire_time         BIGINT        NOT NULL,
    attempts          INTEGER       NOT NULL,
    node              VARCHAR(200)  NOT NULL,
    started_at        BIGINT,
    finished_at       BIGINT        NOT NULL,
    duration_us       BIGINT        NOT NULL,
    outcome           VARCHAR(16)   NOT NULL,
    error             TEXT,
    stack_trace       MEDIUMTEXT,
    INDEX chime_history_finished (finished_at DESC, id DESC),
    INDEX chime_history_job (job_id, finished_at DESC, id DESC)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS chime_leases (
    name              VARCHAR(64)   NOT NULL PRIMARY KEY,
    holder            VARCHAR(200)  NOT NULL,
    expires_at_ms     BIGINT        NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
