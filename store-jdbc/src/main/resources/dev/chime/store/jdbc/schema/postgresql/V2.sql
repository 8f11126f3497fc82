-- Chime job store schema, version 2, for PostgreSQL 14+: executions as durable records.
-- chime_executions holds every execution, from waiting to ended: the history, the waiting work
-- (enqueued tasks, run-nows, retries) and the runs in flight (state RUNNING, node_id the node running
-- it), which replace chime_runs. Instants are nanoseconds since the epoch (BIGINT), as in version 1;
-- the *_at_ms columns hold the database's clock in milliseconds.
--   claimable_at      the due time of a waiting execution that no claim holds, else NULL: the claim of
--                     due executions and the next due time read one index on it
--   claimed_by        the node holding a claim of it (a due execution, or a dead node's run taken over)
--   job_claim_version set while it holds its job's claim (a fixed-delay run and its retries): the
--                     version of the job row whose claim it keeps
--   queued_fire_times while RUNNING: the later fire times of its batch (nanoseconds, comma-separated)
-- The index by node ends with the id: a run's end is looked up by (id, node_id, token), and a
-- plan cached before the table had statistics may take this index for it; with id in its key the
-- lookup stays exact whichever index it takes.
-- chime_leases: one row per cluster-wide chore (the history's purge), held by one node until it expires.
-- The runs in flight of version 1 become RUNNING executions of the node that ran them (a takeover
-- recovers them); chime_runs is left in place, unused, for a DBA to drop. Every statement can run twice.

CREATE TABLE IF NOT EXISTS chime_executions (
    id                VARCHAR(64)   NOT NULL PRIMARY KEY,
    job_id            VARCHAR(200),
    task              VARCHAR(200)  NOT NULL,
    data_json         TEXT,
    options_json      TEXT,
    fire_time         BIGINT        NOT NULL,
    state             VARCHAR(24)   NOT NULL,
    attempts          INTEGER       NOT NULL,
    due_at            BIGINT,
    claimable_at      BIGINT,
    claimed_by        VARCHAR(200),
    claimed_at_ms     BIGINT,
    node_id           VARCHAR(200),
    created_at        BIGINT        NOT NULL,
    started_at        BIGINT,
    started_at_ms     BIGINT,
    ended_at          BIGINT,
    error             TEXT,
    stack_trace       TEXT,
    result_json       TEXT,
    fencing_token     BIGINT        NOT NULL,
    recoverable       BOOLEAN       NOT NULL,
    queued_fire_times TEXT,
    stop_requested    BOOLEAN       NOT NULL,
    job_claim_version BIGINT,
    version           BIGINT        NOT NULL
);
CREATE INDEX IF NOT EXISTS chime_executions_claimable ON chime_executions (claimable_at, id);
CREATE INDEX IF NOT EXISTS chime_executions_created ON chime_executions (created_at, id);
CREATE INDEX IF NOT EXISTS chime_executions_job ON chime_executions (job_id, created_at, id);
CREATE INDEX IF NOT EXISTS chime_executions_task ON chime_executions (task, created_at, id);
CREATE INDEX IF NOT EXISTS chime_executions_state ON chime_executions (state, created_at, id);
CREATE INDEX IF NOT EXISTS chime_executions_ended ON chime_executions (ended_at);
CREATE INDEX IF NOT EXISTS chime_executions_node ON chime_executions (node_id, state, id);
CREATE INDEX IF NOT EXISTS chime_executions_claimed_by ON chime_executions (claimed_by);
CREATE INDEX IF NOT EXISTS chime_executions_job_state ON chime_executions (job_id, state);

CREATE TABLE IF NOT EXISTS chime_leases (
    name              VARCHAR(64)   NOT NULL PRIMARY KEY,
    holder            VARCHAR(200),
    expires_at_ms     BIGINT        NOT NULL
);
INSERT INTO chime_leases (name, holder, expires_at_ms) VALUES ('purge', NULL, 0) ON CONFLICT DO NOTHING;

INSERT INTO chime_executions (id, job_id, task, data_json, options_json, fire_time, state, attempts, due_at,
        claimable_at, claimed_by, claimed_at_ms, node_id, created_at, started_at, started_at_ms, ended_at, error,
        stack_trace, result_json, fencing_token, recoverable, queued_fire_times, stop_requested, job_claim_version,
        version)
    SELECT r.run_id, r.job_id, COALESCE(r.snapshot_task, j.task, 'unknown'), r.snapshot_data, r.snapshot_options,
        r.fire_time, 'RUNNING', 1, NULL, NULL, NULL, NULL, r.node_id, r.started_at_ms * 1000000,
        r.started_at_ms * 1000000, r.started_at_ms, NULL, NULL, NULL, NULL, r.fence, r.recoverable,
        r.queued_fire_times, FALSE,
        CASE WHEN j.claimed_by = r.node_id AND j.claimed_fire_time = r.fire_time THEN j.version ELSE NULL END, 0
    FROM chime_runs r LEFT JOIN chime_jobs j ON j.id = r.job_id
    WHERE r.ended_at_ms IS NULL AND NOT EXISTS (SELECT 1 FROM chime_executions e WHERE e.id = r.run_id);

-- A job claim kept by a run is held by its execution now, not by a node.
UPDATE chime_jobs SET claimed_by = NULL, claimed_at_ms = NULL
    WHERE claimed_by IS NOT NULL AND id IN (SELECT job_id FROM chime_executions WHERE state = 'RUNNING'
        AND job_claim_version IS NOT NULL);
