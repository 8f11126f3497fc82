-- Brings a mariadb schema created by an earlier version of this script up to date. Every statement is
-- idempotent; Schema runs them after the create script.

ALTER TABLE chime_jobs ADD COLUMN IF NOT EXISTS fence BIGINT NOT NULL DEFAULT 0;
ALTER TABLE chime_runs ADD COLUMN IF NOT EXISTS ended_at_ms BIGINT;
ALTER TABLE chime_runs ADD COLUMN IF NOT EXISTS fence BIGINT NOT NULL DEFAULT 0;
CREATE INDEX IF NOT EXISTS chime_runs_ended ON chime_runs (ended_at_ms);
