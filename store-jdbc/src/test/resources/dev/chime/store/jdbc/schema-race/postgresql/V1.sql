-- SchemaUpgradeTest: a first version.
CREATE TABLE IF NOT EXISTS chime_race (id INTEGER NOT NULL);
