-- Brings a PostgreSQL schema created by an earlier chime-store-jdbc up to date. Every statement is
-- idempotent: the store runs this file after postgresql.sql on every start with createSchema(true), and a
-- DBA may run it any number of times. Job rows are kept as they are.
-- The "chime_" prefix is the default; a configured prefix replaces it.

-- Nothing to change yet: PostgreSQL's TEXT holds any size, and its indexes serve every hot query.
