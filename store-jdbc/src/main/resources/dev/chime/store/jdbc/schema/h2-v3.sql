-- Schema version 3 for H2 2.x: what background tasks (Scheduler.enqueue) need. Run after
-- h2-v2.sql (the store does so on start with createSchema(true), then records version 3 in
-- chime_schema_version). Idempotent; existing rows are kept and get the columns' defaults.
-- The "chime_" prefix is the default; a configured prefix replaces it.

-- An enqueued task's run keeps its data and options in the history, so that a failed one can be
-- requeued from its entry; both are NULL for a job's run (options_json tells the two apart).
-- Same types as chime_jobs.data_json and options_json: a task's texts fit where its job's did.
ALTER TABLE chime_history ADD COLUMN IF NOT EXISTS data_json TEXT;
ALTER TABLE chime_history ADD COLUMN IF NOT EXISTS options_json TEXT;

-- A run in progress that another node asked to stop (JobStore.requestCancel): the node holding it
-- reads its marked runs with each heartbeat and stops them through their cancellation signal.
ALTER TABLE chime_runs ADD COLUMN IF NOT EXISTS cancel_requested BOOLEAN NOT NULL DEFAULT FALSE;

-- A run whose attempt failed with retries left (JobStore.deferRun): attempts_made attempts were made
-- and the next is due at retry_at (nanoseconds since the epoch, like fire_time; NULL while no retry
-- waits). A node that takes the run over runs that retry at its due time instead of the run again.
ALTER TABLE chime_runs ADD COLUMN IF NOT EXISTS retry_at BIGINT;
ALTER TABLE chime_runs ADD COLUMN IF NOT EXISTS attempts_made INTEGER NOT NULL DEFAULT 0;
